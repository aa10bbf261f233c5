@warning "careful: " + __FILE__
ok
@warning 42
@include "w.nut"
end
