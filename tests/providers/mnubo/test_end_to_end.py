"""plan/apply/drift with Mnubo against the emulator over HTTP: creates, promotion, the device
registry, convergence, impossible changes, drift between zones, and a re-run after a fault."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

Cli = Callable[..., Any]
DEVICE = "df7356268deeb9c2"  # the seed device the development group is given (conftest)


def admin(emulator: Any, zone: str, part: str = "") -> Any:
    url = f"{emulator.base_url}/_emulator/mnubo/{zone}{part}"
    return requests.get(url, timeout=10).json()


def keys(model: dict[str, Any], kind: str) -> set[str]:
    found = {e["key"] for t in model.get(kind, []) for e in t.get(_inner(kind), [])}
    found |= {e["key"] for e in model.get("orphans", {}).get(kind, [])}
    return found


def _inner(kind: str) -> str:
    return kind


def export(emulator: Any, zone: str) -> dict[str, Any]:
    return admin(emulator, zone, "/model")  # type: ignore[no-any-return]


def test_plan_shows_model_promotion_and_order(cli: Cli, manifests: Path) -> None:
    result = cli("plan", str(manifests), "--format", "json")
    assert result.code == 0, result.text
    plan = json.loads(result.out)
    addresses = [c["address"] for c in plan["resource_changes"]]
    mnubo = [a for a in addresses if a.startswith("mnubo/")]
    assert "mnubo/objecttype/sandbox/weather_station" in mnubo
    assert "mnubo/timeseries/sandbox/temperature" in mnubo
    assert "mnubo/timeseries/production/temperature" in mnubo  # the promotion step
    assert "mnubo/timeseries/production/battery_voltage" not in mnubo  # promote: false
    # the data model goes before every impCentral change
    first_ic = min(i for i, a in enumerate(addresses) if not a.startswith("mnubo/"))
    assert max(addresses.index(a) for a in mnubo) < first_ic
    promo = next(
        c for c in plan["resource_changes"] if c["address"].endswith("production/temperature")
    )
    assert promo["provider"] == "mnubo"
    assert promo["action_reason"] == "promote"
    text = cli("plan", str(manifests)).out
    assert "mnubo/timeseries/production/temperature" in text
    assert "mnubo:sandbox" in cli("plan", str(manifests), "--format", "markdown").out


def test_apply_converges_registers_and_drifts(cli: Cli, manifests: Path, emulator: Any) -> None:
    first = cli("apply", str(manifests), "--auto-approve")
    assert first.code == 0, first.text
    sandbox, production = export(emulator, "sandbox"), export(emulator, "production")
    assert {t["key"] for t in sandbox["objectTypes"]} == {"weather_station"}
    assert {t["key"] for t in production["eventTypes"]} == {"reading", "boot"}
    prod_ts = {ts["key"] for et in production["eventTypes"] for ts in et["timeseries"]}
    assert "temperature" in prod_ts
    assert "battery_voltage" not in prod_ts
    # the device got its agent id on assignment: the second run registers it
    second = cli("apply", str(manifests), "--auto-approve")
    assert second.code == 0, second.text
    objects = admin(emulator, "sandbox", "/objects")
    assert [o["x_object_type"] for o in objects] == ["weather_station"]
    again = cli("plan", str(manifests), "--detailed-exitcode")
    assert again.code == 0, again.text
    assert cli("drift", str(manifests), "--detailed-exitcode").code == 0
    # someone deletes the object behind impops' back: drift reports it, apply restores it
    agent = objects[0]["x_device_id"]
    url = f"{emulator.mnubo_url('sandbox')}/oauth/token?grant_type=client_credentials"
    token = requests.post(url, auth=("sandbox-client", "sandbox-secret"), timeout=10).json()
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    api = f"{emulator.mnubo_url('sandbox')}/api/v3/objects/{agent}"
    assert requests.delete(api, headers=auth, timeout=10).status_code == 200
    drift = cli("drift", str(manifests), "--detailed-exitcode")
    assert drift.code == 2
    assert "mnubo/objects/sandbox/weather_station" in drift.text
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    assert len(admin(emulator, "sandbox", "/objects")) == 1
    assert DEVICE  # the seed device is the one registered


def test_impossible_type_change_is_shown(cli: Cli, manifests: Path) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    model = manifests / "mnubo.yaml"
    model.write_text(
        model.read_text().replace(
            "    display_name: Relative humidity (%)\n    high_level_type: FLOAT",
            "    display_name: Relative humidity (%)\n    high_level_type: DOUBLE",
        )
    )
    plan = json.loads(cli("plan", str(manifests), "--format", "json").out)
    blocked = [c for c in plan["resource_changes"] if c.get("impossible")]
    assert {c["address"] for c in blocked} == {
        "mnubo/timeseries/sandbox/humidity",
        "mnubo/timeseries/production/humidity",
    }
    assert "new key" in blocked[0]["impossible"]


def test_drift_reports_unpromoted_and_zone_differences(
    cli: Cli, manifests: Path, emulator: Any
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    # production loses a description (an out-of-band edit of production)
    production = export(emulator, "production")
    for et in production["eventTypes"]:
        for ts in et["timeseries"]:
            if ts["key"] == "pressure":
                ts["displayName"] = "edited in production"
    url = f"{emulator.base_url}/_emulator/mnubo/production/model"
    assert requests.put(url, json=production, timeout=10).status_code == 200
    model = manifests / "mnubo.yaml"
    model.write_text(model.read_text().replace("    promote: false  #", "    promote: true  #"))
    drift = cli("drift", str(manifests), "--format", "json")
    items = {i["address"]: i for i in json.loads(drift.out)["items"]}
    assert "never promoted" in items["mnubo/timeseries/production/battery_voltage"]["meaning"]
    assert "differs" in items["mnubo/timeseries/production/pressure"]["meaning"]
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0


def test_rerun_after_a_fault_converges_without_duplicates(
    cli: Cli, manifests: Path, emulator: Any
) -> None:
    fault = {"method": "POST", "path": "/mnubo/sandbox/api/v3/model/timeseries", "status": 503,
             "after": True}  # fmt: skip
    requests.post(f"{emulator.base_url}/_emulator/faults", json=fault, timeout=10)
    cli("apply", str(manifests), "--auto-approve")
    pending = requests.get(f"{emulator.base_url}/_emulator/faults", timeout=10).json()
    assert pending["faults"] == []  # the fault fired (a create landed, its answer was lost)
    for _ in range(2):
        cli("apply", str(manifests), "--auto-approve")
    assert cli("plan", str(manifests), "--detailed-exitcode").code == 0
    sandbox = export(emulator, "sandbox")
    series = [ts["key"] for et in sandbox["eventTypes"] for ts in et["timeseries"]]
    assert len(series) == len(set(series)) == 5
