@include once "a.nut"
main-end
