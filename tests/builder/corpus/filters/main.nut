@macro wrap(v, l, r)
@{l}@{v}@{r}
@end
a=@{"abc" | S.toUpperCase} b=@{"a,b,c" | S.split(",")} c=@{'say "hi"' | escape} d=@{"hi" | base64}
e=@{" pad " | S.trim}| f=@{"w" | wrap("[", "]")} g=@{"x" | S.repeat(3)} h=@{-5 | abs} i=@{3 | max(7, 1)}
