root x @{__LINE__}
@include "b/x.nut"
