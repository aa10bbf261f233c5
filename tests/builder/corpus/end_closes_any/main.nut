@if 1
if-body
@end
@macro m(x)
m @{x}
@end
@include m(1)
@set i = 0
@while i < 2
w@{i}
@set i = i + 1
@end
@repeat 2
r@{loop.index}
@end
