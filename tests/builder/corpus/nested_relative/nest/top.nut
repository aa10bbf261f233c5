// top
@include "sub/a.nut"
@include "b.nut"
end @{__LINE__}
