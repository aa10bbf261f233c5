@macro m()
macro body
@end
a @{m()} @{include("i.nut")}
@include m()
z
