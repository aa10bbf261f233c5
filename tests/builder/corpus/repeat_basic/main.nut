@repeat 3
r@{loop.index}/@{loop.iteration}
@endrepeat
@repeat 0
never
@end
@repeat 2
@repeat 2
o?@{loop.index}
@end
@end
@set N = 1
@repeat N + 1
n@{loop.index}
@end
