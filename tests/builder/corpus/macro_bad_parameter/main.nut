@macro m("a")
x
@end
