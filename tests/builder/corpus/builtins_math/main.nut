a=@{min(3, 1, 2)} b=@{max(3, "9", 4)} c=@{abs(-2.5)} d=@{abs("-3")} e=@{max("a", 1)} f=@{min(-0, 0)}
g=@{max(1)} h=@{abs(null)} i=@{min([5], 7)} j=@{max(true, 0)}
