@ a Builder comment line
@macro greet(name, punct)
Hello, @{name}@{defined(punct) ? punct : "."}
@end
@include greet("world", "!")
s <- "@{greet('inline')}";
@set N = 2
@repeat N + 1
r@{loop.index}/@{loop.iteration}
@endrepeat
@set i = 0
@while i < 2
w@{i}
@set i = i + 1
@endwhile
@set X = "a" + 1 // trailing comment removed
x=@{X} u=@{UNDEFINED_THING} t=@{true && 5} m=@{max(3, 9, 4)} s=@{S.toUpperCase("abc")} e="@{'q"x' | escape}" b=@{"hi" | base64}
  @if 1 == "1"
indented-if ok
  @endif
