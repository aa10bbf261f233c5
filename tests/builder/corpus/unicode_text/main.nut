@set GREETING = "héllo ✓ 😀"
@set über = 1
say @{GREETING} @{über + 1} @{S.toUpperCase("é")}
ünïcödé passthrough ✓
