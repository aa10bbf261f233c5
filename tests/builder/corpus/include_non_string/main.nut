@include 42
