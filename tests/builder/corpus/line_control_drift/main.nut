#require "X.lib.nut:1.0.0"
@include "lib/util.nut"
@if 0
skipped
@else
shown
@endif
last @{__LINE__}
