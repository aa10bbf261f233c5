top
@include "main.nut"
