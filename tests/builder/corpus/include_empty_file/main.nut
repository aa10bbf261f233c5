@include "empty.nut"
@include "only_directives.nut"
after @{D}
