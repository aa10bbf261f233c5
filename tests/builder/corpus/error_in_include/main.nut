first
@include "lib/guard.nut"
