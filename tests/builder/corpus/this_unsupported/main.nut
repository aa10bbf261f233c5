v=@{this}
