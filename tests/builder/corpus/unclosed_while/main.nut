@if 1
@while 0
x
@endif
