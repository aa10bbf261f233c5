@set X = "abc
