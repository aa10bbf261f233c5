// Asset tracker: device code.
// Reads a GPS fix from the UART receiver every REPORT_PERIOD seconds and sends it to the agent.

const DEFAULT_PERIOD = 900;

local period = ("REPORT_PERIOD" in __VARS) ? __VARS.REPORT_PERIOD.tointeger() : DEFAULT_PERIOD;
local uart = hardware.uart1289;
local line = "";

function parseGga(sentence) {
    // $GPGGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,nn,...
    local f = split(sentence, ",");
    if (f.len() < 7 || f[6] == "0") return null;
    local lat = f[2].tofloat(), lon = f[4].tofloat();
    lat = math.floor(lat / 100) + (lat % 100) / 60.0;
    lon = math.floor(lon / 100) + (lon % 100) / 60.0;
    if (f[3] == "S") lat = -lat;
    if (f[5] == "W") lon = -lon;
    return { "lat": lat, "lon": lon, "satellites": f[7].tointeger() };
}

function onUart() {
    local b = uart.read();
    while (b != -1) {
        if (b == '\n') {
            if (line.find("$GPGGA") == 0) {
                local fix = parseGga(line);
                if (fix != null) {
                    fix.ts <- time();
                    agent.send("fix", fix);
                    uart.disable();
                    imp.onidle(function() { server.sleepfor(period); });
                }
            }
            line = "";
        } else {
            line += b.tochar();
        }
        b = uart.read();
    }
}

uart.configure(9600, 8, PARITY_NONE, 1, NO_CTSRTS, onUart);
imp.wakeup(120, function() {
    server.log("no GPS fix after 2 minutes; sleeping");
    server.sleepfor(period);
});
