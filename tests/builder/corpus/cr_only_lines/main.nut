onetwo
three @{__LINE__}
 four @{__LINE__}
