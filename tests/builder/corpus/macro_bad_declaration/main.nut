@macro 1 + 2
x
@end
