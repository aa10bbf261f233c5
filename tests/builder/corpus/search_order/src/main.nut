@include "lib/inc.nut"
@include "only_root.nut"
@include "only_input.nut"
