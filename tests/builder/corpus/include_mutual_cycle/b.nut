b
@include "a.nut"
