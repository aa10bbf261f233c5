@include "other/macros.nut"
@macro m()
again
@end
