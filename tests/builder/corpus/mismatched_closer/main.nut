@while 0
x
@endrepeat
