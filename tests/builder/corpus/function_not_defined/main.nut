v=@{foo(1)}
