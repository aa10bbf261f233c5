@if 0
@macro hidden()
h
@end
@endif
@include hidden()
