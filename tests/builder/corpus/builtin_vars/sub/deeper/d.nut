d: @{__FILE__} @{__LINE__} [@{__PATH__}]
