@set i = 0
@while i < 3
i=@{i} idx=@{loop.index} it=@{loop.iteration}
@set i = i + 1
@endwhile
@while false
never
@end
@set s = ""
@while S.repeat("x", 3) != s
@set s = s + "x"
s=@{s}
@end
