a

@include "nope/none.nut"
