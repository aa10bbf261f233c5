@set P = "b"
@if P == "a"
A
@elseif P == "b"
B
@if 1
nested-true
@elseif 1
never
@else
never2
@endif
@elseif P == "b"
B-again-not-shown
@else
ELSE
@endif
@if 0
@elseif 0
@else
final-else
@end
