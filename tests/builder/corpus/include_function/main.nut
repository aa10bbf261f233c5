start @{include("lib/frag.nut")} end
multi=[@{include("lib/multi.nut")}]
@set P = "lib/frag.nut"
var=@{include(P)}
