main1
@include "x.nut"
main3
@include "b/x.nut"
@include "x.nut"
main6
