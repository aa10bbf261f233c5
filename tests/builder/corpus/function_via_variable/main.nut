@set F = max
f=@{F} call=@{F(1, 5)}
@set G = "min"
g=@{G(4, 2)}
