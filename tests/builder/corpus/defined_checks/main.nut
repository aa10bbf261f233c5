@set X = 1
@set NUL = null
a=@{defined(__FILE__)} b=@{defined(max)} c=@{defined(X)} d=@{defined(UNDEF)} e=@{defined(D)} f=@{defined(NUL)}
g=@{defined(loop)} h=@{defined(include)} i=@{defined(__REPO_REF__)} j=@{defined(S)} k=@{defined(defined)}
@repeat 1
l=@{defined(loop)}
@end
