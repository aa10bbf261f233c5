x=@{a b}
