@set X == 1
