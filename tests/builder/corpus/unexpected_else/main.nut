a
@else
