@set U = "http://example.com/a" // comment
@set V = 1 /* block */ + 2
@if V == 3 // yes
u=@{U} v=@{V}
@else // nothing
no
@endif /* end */
@set Q = "a//b" + '/*c*/'
q=@{Q}
@set E = "x\"//y" // tail
e=@{E}
