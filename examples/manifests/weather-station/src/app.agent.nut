// Weather station: agent code.
// Receives readings from the device and forwards them to the backend over HTTPS.
// BACKEND_URL and API_KEY come from the device group's env_vars (see product.yaml).

#require "Rocky.agent.lib.nut:3.0.1"
#require "promise.class.nut:1.0.0"
#require "mnubo.agent.nut:1.0.0"

const MAX_RETRIES = 3;

local backendUrl = ("BACKEND_URL" in __VARS) ? __VARS.BACKEND_URL : null;
local apiKey     = ("API_KEY" in __VARS) ? __VARS.API_KEY : "";
local lastReading = null;
local api = Rocky.init();

// Mnubo SmartObjects: the keys below are declared in ../../mnubo.yaml, which impops applies
// (and promotes to production) before it deploys this code. Credentials are optional: a
// group without MNUBO_CLIENT_ID in its env_vars simply does not report to Mnubo.
local deviceId = split(http.agenturl(), "/").top();  // the agent id: Mnubo's x_device_id
local mnubo = null;
if ("MNUBO_CLIENT_ID" in __VARS && "MNUBO_CLIENT_SECRET" in __VARS) {
    mnubo = Mnubo.Client({
        "id":     __VARS.MNUBO_CLIENT_ID,
        "secret": __VARS.MNUBO_CLIENT_SECRET,
        "env":    ("MNUBO_ENV" in __VARS) ? __VARS.MNUBO_ENV : "sandbox"
    });
}

function mnuboEvent(eventType, fields) {
    if (mnubo == null) return;
    fields["x_event_type"] <- eventType;
    fields["x_timestamp"] <- Mnubo.Client.datestr();
    mnubo.events.sendFromDevice(deviceId, [fields])
        .fail(function(err) { server.error("mnubo " + eventType + ": " + http.jsonencode(err)); });
}

device.on("boot", function(info) {
    // impops registers the object (x_object_type weather_station); this keeps its attributes.
    if (mnubo != null) {
        mnubo.objects.update(deviceId, {
            "firmware_version": info.version,
            "reading_interval": info.interval
        }).fail(function(err) { server.error("mnubo object: " + http.jsonencode(err)); });
    }
    mnuboEvent("boot", { "firmware_version_reported": info.version });
});

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
    mnuboEvent("reading", {
        "temperature":     reading.temperature,
        "humidity":        reading.humidity,
        "pressure":        reading.pressure,
        "battery_voltage": reading.battery
    });
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
