// b in nest
