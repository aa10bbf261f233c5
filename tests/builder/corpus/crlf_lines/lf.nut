lf line
@{__FILE__}
