// Thermostat device code, built by Builder from several files.
@include once "lib/util.nut"
@include "lib/sensor.nut"

@if PLATFORM == "imp005"
const LED_PIN = "hardware.pinE";
@else
const LED_PIN = "hardware.pin1";
@endif

function loop() {
    agent.send("temp", readTemperature());
    imp.wakeup(@{REPORT_PERIOD}, loop);
}
loop();
