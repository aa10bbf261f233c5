b
@include once "a.nut"
@include once "main.nut"
