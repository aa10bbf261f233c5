@include nosuch(1)
