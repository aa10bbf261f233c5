v=@{S.repeat("a", -1)}
