@if 0
zero
@endif
@if ""
empty
@endif
@if "0"
string-zero-truthy
@endif
@if null
null
@endif
@if []
empty-array-truthy
@endif
@if "a" * 1
nan
@endif
@if UNDEF
undef
@endif
@if -0.0
negzero
@endif
@if 0.1
point-one
@endif
