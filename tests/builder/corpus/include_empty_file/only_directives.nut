@set D = 4
@if 0
x
@endif
