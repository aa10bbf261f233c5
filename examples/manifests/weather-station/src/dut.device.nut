// Weather station device under test: device code.
// Runs once on the assembly line after factory BlinkUp. Checks that the sensors answer on
// the I2C bus and that the battery voltage is sane, then blesses the device (which moves it
// to the production group) or logs why it failed.

const HTS221_ADDR  = 0xBE;
const LPS22HB_ADDR = 0xB8;
const WHO_AM_I     = "\x0F";
const MIN_BATTERY  = 3.3;

local i2c = hardware.i2c89;
i2c.configure(CLOCK_SPEED_400_KHZ);
hardware.pin5.configure(ANALOG_IN);

function probe(addr, expected) {
    local id = i2c.read(addr, WHO_AM_I, 1);
    return id != null && id[0] == expected;
}

function battery() {
    return 2.0 * hardware.voltage() * hardware.pin5.read() / 65535.0;
}

function runTests() {
    local failures = [];
    if (!probe(HTS221_ADDR, 0xBC)) failures.push("HTS221 not found");
    if (!probe(LPS22HB_ADDR, 0xB1)) failures.push("LPS22HB not found");
    local volts = battery();
    if (volts < MIN_BATTERY) failures.push(format("battery low: %.2f V", volts));
    return failures;
}

local failures = runTests();
if (failures.len() == 0) {
    server.bless(true, function(blessed) {
        server.log(blessed ? "blessed" : "blessing refused");
    });
} else {
    foreach (failure in failures) server.error("DUT test failed: " + failure);
    server.bless(false, null);
}
