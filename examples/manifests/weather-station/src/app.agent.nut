// Weather station: agent code.
// Receives readings from the device and forwards them to the backend over HTTPS.
// BACKEND_URL and API_KEY come from the device group's env_vars (see product.yaml).

#require "Rocky.agent.lib.nut:3.0.1"

const MAX_RETRIES = 3;

local backendUrl = ("BACKEND_URL" in __VARS) ? __VARS.BACKEND_URL : null;
local apiKey     = ("API_KEY" in __VARS) ? __VARS.API_KEY : "";
local lastReading = null;
local api = Rocky.init();

function post(reading, attempt = 1) {
    if (backendUrl == null) {
        server.error("BACKEND_URL is not set; dropping reading");
        return;
    }
    local headers = {
        "Content-Type":  "application/json",
        "Authorization": "Bearer " + apiKey
    };
    local body = http.jsonencode({
        "device_id": imp.configparams.deviceid,
        "reading":   reading
    });
    http.post(backendUrl, headers, body).sendasync(function(response) {
        if (response.statuscode >= 200 && response.statuscode < 300) {
            device.send("ack", reading.ts);
        } else if (attempt < MAX_RETRIES) {
            server.log("backend said " + response.statuscode + ", retrying");
            imp.wakeup(5 * attempt, function() { post(reading, attempt + 1); });
        } else {
            server.error("giving up on reading " + reading.ts);
        }
    });
}

device.on("reading", function(reading) {
    lastReading = reading;
    post(reading);
});

// A small HTTP API on the agent URL: latest reading and the reading interval.
api.get("/reading", function(context) {
    if (lastReading == null) return context.send(404, { "error": "no reading yet" });
    context.send(200, lastReading);
});

api.post("/interval", function(context) {
    local seconds = context.req.body.seconds.tointeger();
    if (seconds < 60) return context.send(400, { "error": "minimum is 60 seconds" });
    device.send("set-interval", seconds);
    context.send(200, { "interval": seconds });
});
