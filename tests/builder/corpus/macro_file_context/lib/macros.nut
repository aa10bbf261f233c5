// macros
@macro where(tag)
@{tag}: @{__FILE__} @{__LINE__} @{__PATH__}
@end
