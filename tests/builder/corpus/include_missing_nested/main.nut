@include "lib/a.nut"
