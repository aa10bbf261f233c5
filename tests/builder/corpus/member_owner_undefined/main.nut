v=@{a.b}
