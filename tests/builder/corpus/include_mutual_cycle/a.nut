a
@include "b.nut"
