@macro inner(v)
<@{v}>
@end
@macro outer(v)
@include inner(v + "!")
inline: @{inner(v)}
@end
@include outer("o")
x=@{outer("i")}
