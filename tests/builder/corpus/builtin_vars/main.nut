main: @{__FILE__} @{__LINE__} [@{__PATH__}]
@include "sub/inc.nut"
repo=@{__REPO_PREFIX__} ref=@{__REPO_REF__} url=@{__URL_ROOT__}
back: @{__FILE__} @{__LINE__}
