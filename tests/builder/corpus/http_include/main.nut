@include "https://example.com/lib.nut"
