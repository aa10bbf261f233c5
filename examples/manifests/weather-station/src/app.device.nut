// Weather station: device code.
// Reads the HTS221 (temperature, humidity) and LPS22HB (pressure) sensors on the
// environmental tail, then sends one reading to the agent and sleeps until the next one.

#require "HTS221.device.lib.nut:2.0.2"
#require "LPS22HB.device.lib.nut:2.0.0"

const DEFAULT_INTERVAL = 300;   // seconds between readings
const WAKE_TIMEOUT     = 10;    // seconds to wait for the agent before sleeping anyway

local interval = DEFAULT_INTERVAL;
if ("READING_INTERVAL" in __VARS) interval = __VARS.READING_INTERVAL.tointeger();

hardware.i2c89.configure(CLOCK_SPEED_400_KHZ);
local tempHumid = HTS221(hardware.i2c89);
local pressure  = LPS22HB(hardware.i2c89);
tempHumid.setMode(HTS221_MODE.ONE_SHOT);
pressure.softReset();

function batteryVolts() {
    // The battery sits behind a 2:1 divider on pin 5.
    local raw = hardware.pin5.read();
    return 2.0 * hardware.voltage() * raw / 65535.0;
}

function sleep() {
    imp.onidle(function() {
        server.sleepfor(interval);
    });
}

function takeReading() {
    tempHumid.read(function(th) {
        if ("error" in th) {
            server.error("HTS221: " + th.error);
            sleep();
            return;
        }
        pressure.read(function(p) {
            local reading = {
                "ts":          time(),
                "temperature": th.temperature,
                "humidity":    th.humidity,
                "pressure":    ("error" in p) ? null : p.pressure,
                "battery":     batteryVolts(),
                "rssi":        imp.getrssi()
            };
            agent.send("reading", reading);
            // Sleep once the agent acknowledges, or after a timeout.
            imp.wakeup(WAKE_TIMEOUT, sleep);
        }.bindenv(this));
    }.bindenv(this));
}

agent.on("ack", function(id) {
    server.log("reading " + id + " stored");
    sleep();
});

agent.on("set-interval", function(seconds) {
    interval = seconds;
    server.log("interval now " + interval + " s");
});

hardware.pin5.configure(ANALOG_IN);
takeReading();
