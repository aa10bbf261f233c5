@if PLATFORM != "imp005"
@error "Platform " + PLATFORM + " is unsupported"
@endif
