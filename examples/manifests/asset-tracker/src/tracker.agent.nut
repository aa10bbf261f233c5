// Asset tracker: agent code. Forwards each GPS fix to the tracking service.

const TRACKING_URL = "https://track.example.com/v2/positions";

local token = ("TRACKER_API_TOKEN" in __VARS) ? __VARS.TRACKER_API_TOKEN : "";

device.on("fix", function(fix) {
    local headers = {
        "Content-Type":  "application/json",
        "Authorization": "Token " + token
    };
    fix.device_id <- imp.configparams.deviceid;
    http.post(TRACKING_URL, headers, http.jsonencode(fix)).sendasync(function(response) {
        if (response.statuscode >= 300) {
            server.error("tracking service said " + response.statuscode);
        }
    });
});
