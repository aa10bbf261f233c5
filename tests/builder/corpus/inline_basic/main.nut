a=@{1+2} b=@{"x"}@{"y"} c=@{"a}b"} d=@{S.concat("{", "}")}
no close @{1+
braces } @{ 2 } {
lit @{"@{nested}"}
end@{"!"}
