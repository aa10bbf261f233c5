@macro m()
first
@endmacro
