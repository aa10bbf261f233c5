@include "a.nut"
