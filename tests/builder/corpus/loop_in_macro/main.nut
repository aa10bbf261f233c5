@macro rep(n)
@repeat n
- @{loop.iteration} of @{n}
@end
@end
@include rep(2)
x=@{rep(3)}
