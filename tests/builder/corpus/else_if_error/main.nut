@if 1
a
@else if 2
b
@endif
