a=@{S.concat("a", 1, true)} b=@{S.endsWith("hello", "lo")} c=@{S.includes("hello", "ell")} d=@{S.repeat("ab", 2)}
e=@{S.split("a-b-c", "-", 2)} f=@{S.startsWith("hello", "he")} g=@{S.substr("hello", 1, 3)} h=@{S.substring("hello", 3, 1)}
i=@{S.toLowerCase("MiXeD")} j=@{S.toUpperCase("straße")} k=[@{S.trim("  t  ")}] l=[@{S.trimLeft("  t  ")}] m=[@{S.trimRight("  t  ")}]
n=@{S.substr("hello", -3)} o=@{S.split("abc", "")} p=@{S.endsWith("hello", "l", 4)} q=@{S.includes("hello", "h", 1)} r=@{S.split("abc")}
s=@{S.toUpperCase(12)} t=@{S.substring("hello", -2, 2)} u=@{S.startsWith("hello", "l", 2)} v=@{S.concat([1, 2], null)}
