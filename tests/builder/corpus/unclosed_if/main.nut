@if true
x
