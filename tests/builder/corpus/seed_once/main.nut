@include once "lib/util.nut"
@include once "lib/util.nut"
@include "lib/copy.nut"
@include __PATH__ + "/lib/util.nut"
path=@{__PATH__} file=@{__FILE__}
