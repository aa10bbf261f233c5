@set x = "global"
@macro m(x)
inner x=@{x}
@set y = "set in macro"
@end
@include m("param")
outer x=@{x} y=@{y}
