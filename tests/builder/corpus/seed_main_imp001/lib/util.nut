// util.nut
function util() { return @{1 + 2}; }
