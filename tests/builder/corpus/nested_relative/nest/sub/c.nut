// c in sub
