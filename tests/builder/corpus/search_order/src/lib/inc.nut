// inc in src/lib, includes sibling
@include "sibling.nut"
