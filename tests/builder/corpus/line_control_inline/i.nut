i-file
