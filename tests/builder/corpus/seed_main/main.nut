#require "Promise.lib.nut:4.0.0"
@set VERSION = "1.2.3"
@include "lib/util.nut"
@if PLATFORM == "imp005"
const HW = "imp005";
@elseif PLATFORM == "imp001"
const HW = "imp001";
@else
const HW = "unknown";
@endif
server.log("v@{VERSION} from @{__FILE__}:@{__LINE__}");
