
inc: @{__FILE__} @{__LINE__} [@{__PATH__}]
@include "deeper/d.nut"
