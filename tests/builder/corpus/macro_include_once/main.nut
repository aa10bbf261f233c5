@macro m()
m-body
@end
@include once m()
@include once m()
