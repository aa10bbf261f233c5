a
@include once "b.nut"
