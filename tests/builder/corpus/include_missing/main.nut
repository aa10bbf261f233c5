before
@include "missing.nut"
