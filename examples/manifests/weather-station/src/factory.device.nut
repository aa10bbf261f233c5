// Weather station factory fixture: device code.
// Runs on the BlinkUp fixture on the assembly line. Each button press sends factory BlinkUp
// to the device under test; the fixture's LED shows whether BlinkUp is in progress.

const SSID        = "WeatherFactory";
const PASSWORD    = "";          // open factory network
const FLASH_TIME  = 10;          // seconds the BlinkUp LED flashes

local button    = hardware.pin1;
local greenLed  = hardware.pin2;
local blinkupLed = hardware.pin5;
local busy = false;

greenLed.configure(DIGITAL_OUT, 0);

function blinkupDone() {
    busy = false;
    greenLed.write(0);
    agent.send("blinkup", { "ok": true, "ts": time() });
}

function startBlinkup() {
    if (busy) return;
    busy = true;
    greenLed.write(1);
    server.factoryblinkup(SSID, PASSWORD, blinkupLed, BLINKUP_ACTIVEHIGH);
    imp.wakeup(FLASH_TIME, blinkupDone);
}

button.configure(DIGITAL_IN_PULLUP, function() {
    // Debounce: act on the press (falling edge) only.
    imp.sleep(0.02);
    if (button.read() == 0) startBlinkup();
});

agent.on("status", function(_) {
    agent.send("status", { "busy": busy, "mac": imp.getmacaddress() });
});

server.log("fixture ready, press the button to BlinkUp a station");
