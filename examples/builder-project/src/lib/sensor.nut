// Temperature sensor on @{PLATFORM}.
function readTemperature() {
    return hardware.millis() % 40;
}
