m1
m2 @{__FILE__}
