@ builder comment
@
@	comment with tab
keep @foo bar
@foo passes
local s = @"verbatim";
mail me@{"x"}.com
  @ indented comment
@@ double at
