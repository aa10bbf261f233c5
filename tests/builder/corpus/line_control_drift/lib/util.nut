u1
@set Q = 1
u3
