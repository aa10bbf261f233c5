@include "lib/macros.nut"
main line
@include where("block")
inline=@{where("inline")}
