@set X = 1 ? 2
