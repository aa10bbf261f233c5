@include once
