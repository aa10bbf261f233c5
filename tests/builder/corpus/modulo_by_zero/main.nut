@set X = 5 % 0
