x
@end
