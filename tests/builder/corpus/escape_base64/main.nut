@set T = "q\"s'b\\n\nt\tr\rf\fb\b"
e=@{T | escape}
b=@{"héllo wörld ✓" | base64} n=@{null | base64} x=@{12 | escape}
