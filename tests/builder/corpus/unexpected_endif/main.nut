x
@endif
