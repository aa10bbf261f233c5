@set 1X = 2
