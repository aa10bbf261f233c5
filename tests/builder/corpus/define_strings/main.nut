@if DEBUG
debug-on @{DEBUG}
@else
debug-off
@end
@if DEBUG == false
loose-false
@endif
@if DEBUG == "false"
string-false
@endif
N+1=@{N + 1} N*2=@{N * 2}
