// c in root
