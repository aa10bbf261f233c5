@error 40 + 2
