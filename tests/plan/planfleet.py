"""Hand-built desired/live `ImpCentralState` pairs for plan tests: a weather-station fleet.

`fleet()` returns a desired and a live state that match exactly (no changes); tests then edit
one side with `put`/`drop` to produce the change they want to see.
"""

from __future__ import annotations

from dataclasses import dataclass

from impops.errors import SourcePosition
from impops.providers.impcentral.model import (
    AnyResource,
    Deployment,
    DeploymentInfo,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    ImpCentralState,
    LiveDevice,
    Product,
    RestartMode,
    Webhook,
    sha256_text,
)

PRODUCT = "weather-station"
FINGERPRINT_KEY = "impops-test-fingerprint-key"  # conftest sets it for every plan test
SECRET_TOKEN = "wx-hook-token-7f3a9c51e2"
SECRET_API_KEY = "sk_live_weather_4242abcd"
WEBHOOK_URL = f"https://hooks.example.com/deploy?token={SECRET_TOKEN}"
BLESSING_URL = "https://factory.example.com/blessing"

AGENT_CODE = """// Weather station agent
#require "Rocky.agent.lib.nut:3.0.1"
const API_BASE = "https://api.example.com/v2";

app <- Rocky();
local latest = null;

device.on("reading", function(reading) {
    latest = reading;
    server.log(format("temp=%.1f humidity=%.1f", reading.temp, reading.humid));
});

app.get("/latest", function(context) {
    context.send(200, latest == null ? {} : latest);
});
"""

DEVICE_CODE = """// Weather station device
#require "HTS221.device.lib.nut:2.0.2"
hardware.i2c89.configure(CLOCK_SPEED_400_KHZ);
local sensor = HTS221(hardware.i2c89);
sensor.setMode(HTS221_MODE.ONE_SHOT);

function takeReading() {
    sensor.read(function(result) {
        if (!("error" in result)) {
            agent.send("reading", {"temp": result.temperature, "humid": result.humidity});
        }
        imp.wakeup(60, takeReading);
    });
}

takeReading();
"""

GROUPS: list[tuple[str, GroupType, str | None, str | None]] = [
    ("development", GroupType.DEVELOPMENT, None, None),
    ("pre-production", GroupType.PRE_PRODUCTION, None, None),
    ("pre-dut", GroupType.PRE_DUT, None, None),
    ("pre-factory", GroupType.PRE_FACTORYFIXTURE, "pre-production", "pre-dut"),
    ("production", GroupType.PRODUCTION, None, None),
    ("dut", GroupType.DUT, None, None),
    ("factory", GroupType.FACTORYFIXTURE, "production", "dut"),
]
CODE_GROUPS = ("development", "pre-production", "pre-factory", "production", "factory")
DEVICES = {
    "development": ["dev01", "dev02"],
    "pre-production": ["pp01", "pp02"],
    "production": ["pr01", "pr02", "pr03", "pr04", "pr05", "pr06"],
    "factory": ["fx01"],
    "dut": ["dut01"],
}
UNASSIGNED = ["spare01", "spare02"]


def pos(line: int, column: int = 5, file: str = "weather-station.yaml") -> SourcePosition:
    return SourcePosition(file, line, column)


def _mac(device_id: str) -> str:
    # deterministic across processes (hash() is salted): derive from the id's bytes
    raw = device_id.encode().ljust(6, b"0")[:6].hex()
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def group(name: str, *, side: str, **changes: object) -> DeviceGroup:
    spec = {g[0]: g for g in GROUPS}[name]
    _, gtype, ptarget, dtarget = spec
    fields: dict[str, object] = {
        "product": PRODUCT,
        "name": name,
        "type": gtype,
        "description": f"{name} devices",
        "production_target": ptarget,
        "dut_target": dtarget,
    }
    if gtype.allows_region:
        fields["load_code_after_blessing"] = True
    if name == "production":
        fields["env_vars"] = {"API_KEY": SECRET_API_KEY, "LOG_LEVEL": "info"}
        if side == "desired":
            fields["sensitive"] = frozenset({"env_vars.API_KEY"})
    if side == "desired":
        fields["source"] = pos(10 + 10 * [g[0] for g in GROUPS].index(name))
    fields.update(changes)
    return DeviceGroup(**fields)


def deployment(name: str, *, side: str, **changes: object) -> Deployment:
    agent = str(changes.pop("agent_code", AGENT_CODE))
    device = str(changes.pop("device_code", DEVICE_CODE))
    fields: dict[str, object] = {
        "product": PRODUCT,
        "group": name,
        "agent_sha256": sha256_text(agent),
        "device_sha256": sha256_text(device),
        "agent_code": agent,
        "device_code": device,
        "description": "weather station 1.4.0",
        "tags": ("v1-4-0",) if side == "desired" else ("impops", "v1-4-0"),
        "flagged": name == "production",
        "min_supported": None if side == "desired" else False,
    }
    if side == "desired":
        fields["restart"] = RestartMode.CONDITIONAL if name == "production" else RestartMode.NONE
    fields.update(changes)
    return Deployment(**fields)


def webhook(group_name: str, event: str, url: str, *, side: str, **changes: object) -> Webhook:
    fields: dict[str, object] = {
        "product": PRODUCT,
        "group": group_name,
        "event": event,
        "url": url,
    }
    if side == "desired" and "token=" in url:
        fields["sensitive"] = frozenset({"url"})
    fields.update(changes)
    return Webhook(**fields)


@dataclass
class Fleet:
    desired: ImpCentralState
    live: ImpCentralState


def put(state: ImpCentralState, resource: AnyResource) -> AnyResource:
    """Add or replace the resource at its address."""
    state.resources[resource.address] = resource
    return resource


def drop(state: ImpCentralState, address: str) -> None:
    del state.resources[address]


def fleet(extra_groups: int = 0) -> Fleet:
    """A matching desired/live pair; `extra_groups` adds development groups (for thresholds)."""
    desired, live = ImpCentralState(), ImpCentralState()
    names = [g[0] for g in GROUPS]
    for side, state in (("desired", desired), ("live", live)):
        state.add(Product(product=PRODUCT, description="Outdoor weather station"))
        for name in names:
            state.add(group(name, side=side))
        for name in CODE_GROUPS:
            state.add(deployment(name, side=side))
        state.add(webhook("production", "deployment", WEBHOOK_URL, side=side))
        state.add(webhook("factory", "blessing", BLESSING_URL, side=side))
    refs = ["pr01", _mac("pr02").upper().replace(":", "-"), "agent-pr03", "pr04", "pr05", "pr06"]
    desired.add(
        DeviceAssignment(product=PRODUCT, group="production", devices=tuple(refs), source=pos(90))
    )
    for name, ids in DEVICES.items():
        live.add(DeviceAssignment(product=PRODUCT, group=name, devices=tuple(sorted(ids))))
        for device_id in ids:
            live.devices[device_id] = LiveDevice(
                id=device_id,
                mac_address=_mac(device_id),
                agent_id=f"agent-{device_id}",
                group_address=f"devicegroup/{PRODUCT}/{name}",
            )
    for device_id in UNASSIGNED:
        live.devices[device_id] = LiveDevice(device_id, _mac(device_id), f"agent-{device_id}")
    for i in range(extra_groups):
        for state in (desired, live):
            state.add(DeviceGroup(product=PRODUCT, name=f"dev-{i:02d}", type=GroupType.DEVELOPMENT))
    for n, address in enumerate(sorted(live.resources)):
        live.ids[address] = f"id-{n:04d}"
        live.fingerprints[address] = f"id-{n:04d}@2026-11-01T00:00:{n % 60:02d}Z"
    for name in CODE_GROUPS:
        live.deployments[f"deployment/{PRODUCT}/{name}"] = DeploymentInfo(
            id=f"dep-{name}", created_at="2026-10-01T12:00:00Z", origin="impops", tags=("impops",)
        )
    return Fleet(desired, live)


def mac(device_id: str) -> str:
    return _mac(device_id)


NEW_AGENT_CODE = AGENT_CODE.replace("v2", "v3").replace(
    "    latest = reading;\n", "    latest = reading;\n    latest.ts <- time();\n"
)
NEW_API_KEY = "sk_live_weather_9999wxyz"
NEW_HOOK_URL = f"https://hooks.example.com/blinkup?token={SECRET_TOKEN}"


def representative() -> Fleet:
    """The golden-file scenario: one of (nearly) every action, with secrets in play.

    Planned with prune on: new production code (min supported), a development deployment
    metadata update, a rotated secret env var, a new beta group with its code and devices, a
    production device moved, a webhook added and one pruned, a pruned legacy group.
    """
    f = fleet()
    d, live = f.desired, f.live
    put(d, deployment("production", side="desired", agent_code=NEW_AGENT_CODE, min_supported=True))
    put(
        d, deployment("development", side="desired", description="nightly build", tags=("nightly",))
    )
    prod = d.resources[f"devicegroup/{PRODUCT}/production"]
    assert isinstance(prod, DeviceGroup)
    put(d, prod.model_copy(update={"env_vars": {"API_KEY": NEW_API_KEY, "LOG_LEVEL": "info"}}))
    put(d, DeviceGroup(product=PRODUCT, name="beta", type=GroupType.DEVELOPMENT, source=pos(200)))
    put(d, deployment("beta", side="desired"))
    put(d, DeviceAssignment(product=PRODUCT, group="beta", devices=("spare01",), source=pos(210)))
    assignment = d.resources[f"devices/{PRODUCT}/production"]
    assert isinstance(assignment, DeviceAssignment)
    put(d, assignment.model_copy(update={"devices": (*assignment.devices[:-1], "spare02")}))
    put(d, webhook("production", "blinkup", NEW_HOOK_URL, side="desired"))
    drop(d, webhook("factory", "blessing", BLESSING_URL, side="desired").address)
    put(live, DeviceGroup(product=PRODUCT, name="legacy", type=GroupType.DEVELOPMENT))
    live.fingerprints[f"devicegroup/{PRODUCT}/legacy"] = "id-legacy@2026-01-01T00:00:00Z"
    return f
