	@set A = 1
   @if A == 1
  yes
	  @else
  no
    @endif
 	@include "x.nut"
