@if
x
@endif
