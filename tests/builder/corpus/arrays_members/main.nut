a=@{([1, 2])[1]} b=@{([1, 2]).length} c=@{(["a", "b"])["0"]} d=@{[1, [2, 3], null]} e=@{[]}
@repeat 1
f=@{loop["index"]} g=@{loop.iteration} h=@{([[1, 2], [3]])[0][1]} i=@{("a,b" | S.split(","))[1]}
@end
