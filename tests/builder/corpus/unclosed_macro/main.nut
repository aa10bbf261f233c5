@macro m()
body

