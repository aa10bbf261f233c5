@error "guard in " + __FILE__ + ":" + __LINE__
