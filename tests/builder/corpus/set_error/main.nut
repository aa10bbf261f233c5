ok
@set X
