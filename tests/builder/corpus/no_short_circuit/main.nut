@if defined(x) && x.y
never
@endif
