@include "lib/x.nut"
@include "lib/../lib/x.nut"
@include "./lib/x.nut"
