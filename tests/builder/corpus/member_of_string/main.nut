v=@{("abc").length}
