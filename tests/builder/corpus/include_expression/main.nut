@set NAME = "x"
@include __PATH__ + "/lib/" + NAME + ".nut"
@include "lib/" + "y.nut"
@include "lib\\z.nut"
