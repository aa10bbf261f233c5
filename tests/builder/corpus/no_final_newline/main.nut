@include "a.nut"
@include "b.nut"
tail without newline