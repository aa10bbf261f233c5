// Weather station factory fixture: agent code.
// Counts BlinkUp cycles per shift and reports each one to the factory dashboard.

const DASHBOARD_URL = "https://factory.example.com/api/fixture-events";

local cycles = 0;
local shiftStart = time();

function report(event) {
    local body = http.jsonencode({
        "fixture":  imp.configparams.deviceid,
        "event":    event,
        "cycles":   cycles,
        "shift_start": shiftStart
    });
    local request = http.post(DASHBOARD_URL, { "Content-Type": "application/json" }, body);
    request.sendasync(function(response) {
        if (response.statuscode != 200) {
            server.error("dashboard said " + response.statuscode);
        }
    });
}

device.on("blinkup", function(result) {
    cycles++;
    server.log("BlinkUp cycle " + cycles + (result.ok ? " done" : " failed"));
    report(result);
});

device.on("status", function(status) {
    server.log("fixture " + status.mac + (status.busy ? " busy" : " idle"));
});

// New shift: reset the counter every 8 hours.
function newShift() {
    server.log("shift ended after " + cycles + " cycles");
    cycles = 0;
    shiftStart = time();
    imp.wakeup(8 * 3600, newShift);
}
imp.wakeup(8 * 3600, newShift);
device.send("status", null);
