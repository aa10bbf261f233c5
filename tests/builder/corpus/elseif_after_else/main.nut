@if 0
@else
a
@elseif 1
b
@endif
