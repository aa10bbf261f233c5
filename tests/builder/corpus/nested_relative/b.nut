// b in root
