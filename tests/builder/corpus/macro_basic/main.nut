@macro m(a, b, c)
a=@{a} b=@{b} c=@{c} dc=@{defined(c)}
@endmacro
@include m(1, "two")
@include m(1, 2, 3, 4)
@include m()
