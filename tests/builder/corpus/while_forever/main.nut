@while true
w
@end
