// Thermostat agent code.
@include once "lib/util.nut"

device.on("temp", function(value) {
    server.log("temperature: " + clamp(value, -40, 85));
});
