@set A 1
@set B = 2
@set $c = 3
@set _d=4
@set A = A + 10
@set S1 = "str"
@set T = true
@set N = null
@set L = [1, "two", [3]]
@set F = 1.50
A=@{A} B=@{B} c=@{$c} d=@{_d} S1=@{S1} T=@{T} N=@{N} L=@{L} F=@{F}
