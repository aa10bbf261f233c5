@macro bad()
@{1 / 0}
@end
v=@{bad()}
