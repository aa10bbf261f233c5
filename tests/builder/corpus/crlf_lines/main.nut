@set A = "crlf"
line @{A}
@if true
in-if
@endif
@include "lf.nut"
last
