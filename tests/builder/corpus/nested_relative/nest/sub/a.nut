// a in sub, path=@{__PATH__}
@include "c.nut"
