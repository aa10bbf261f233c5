@repeat N
r@{loop.index}
@end
