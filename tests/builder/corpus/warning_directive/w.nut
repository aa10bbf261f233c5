@warning "from " + __FILE__ + " line " + __LINE__
w
