v=@{max()}
