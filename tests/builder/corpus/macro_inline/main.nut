@macro one(x)
[@{x}]
@end
@macro two(x)
first @{x}
second @{x}
@end
a=@{one(1)}; b=@{two("y")}; c=@{one(one(2))}
@set G = one("set")
g=@{G}
