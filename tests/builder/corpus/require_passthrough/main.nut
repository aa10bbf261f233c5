#require "Promise.lib.nut:4.0.0"
@include "lib/l.nut"
  #require "Indented.lib.nut:1.0.0"
function f() {}
