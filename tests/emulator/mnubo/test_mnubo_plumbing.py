"""The shared core under Mnubo: gzip bodies, HEAD, slashes, faults, --state, admin helpers."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import requests

from impops.emulator import EmulatorServer


def test_gzip_null_and_empty_bodies(modelled: Any) -> None:
    raw = gzip.compress(json.dumps({"x_device_id": "g", "x_object_type": "imp"}).encode())
    headers = {"Authorization": f"Bearer {modelled.token}", "Content-Type": "application/json",
               "Content-Encoding": "gzip"}  # fmt: skip
    answer = requests.post(modelled.url + "/api/v3/objects", data=raw, headers=headers)
    assert answer.status_code == 201, answer.text
    broken = requests.post(modelled.url + "/api/v3/objects", data=b"not gzip", headers=headers)
    assert broken.status_code == 400
    assert broken.headers["Content-Type"].startswith("text/plain")
    # Body-less POSTs accept nothing, `null` (gzip'd, as the Python client sends) and `{}`.
    link = "/api/v3/model/eventTypes/reading/timeseries/temperature"
    for body in (b"", gzip.compress(b"null"), gzip.compress(b"{}")):
        assert requests.post(modelled.url + link, data=body, headers=headers).status_code == 200


def test_head_probe_and_slashes(emulator: EmulatorServer, modelled: Any) -> None:
    for zone in ("sandbox", "production"):
        assert requests.head(emulator.mnubo_url(zone)).status_code == 200
        assert requests.head(emulator.mnubo_url(zone) + "/").status_code == 200
    assert modelled.call("GET", "//api/v3//model/export/").status_code == 200


def test_faults_and_request_log_cover_mnubo(emulator: EmulatorServer, sandbox: Any) -> None:
    path = "/mnubo/sandbox/api/v3/objects*"
    emulator.admin("POST", "faults", {"method": "POST", "path": path, "status": 503})
    emulator.admin("POST", "faults", {"method": "POST", "path": path, "status": 429})
    body = {"x_device_id": "d", "x_object_type": "imp"}
    first = sandbox.call("POST", "/api/v3/objects", body)
    assert (first.status_code, first.headers["Content-Type"][:10]) == (503, "text/plain")
    second = sandbox.call("POST", "/api/v3/objects", body)
    assert (second.status_code, second.headers["Retry-After"]) == (429, "1")
    emulator.admin("POST", "faults", {"method": "GET", "path": "/mnubo/*/export", "drop": True})
    try:
        sandbox.call("GET", "/api/v3/model/export")
        raise AssertionError("expected the connection to drop")
    except requests.ConnectionError:
        pass
    log: Any = emulator.admin("GET", "requests")
    mnubo = [(r["method"], r["path"], r["status"]) for r in log["requests"] if "mnubo" in r["path"]]
    assert ("POST", "/mnubo/sandbox/oauth/token", 200) in mnubo
    assert ("POST", "/mnubo/sandbox/api/v3/objects", 503) in mnubo
    assert ("GET", "/mnubo/sandbox/api/v3/model/export", 0) in mnubo


def test_state_file_covers_mnubo(tmp_path: Path, make_zone: Any) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(state_file=state) as emu:
        sandbox = make_zone(emu, "sandbox")
        sandbox.ok("POST", "/api/v3/model/eventTypes", [{"key": "boot", "origin": "rule"}], 201)
        token = sandbox.token
    with EmulatorServer(state_file=state) as emu:
        url = emu.mnubo_url("sandbox") + "/api/v3/model/eventTypes"
        answer = requests.get(url, headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200  # tokens survive a restart, like impCentral's
        assert [e["key"] for e in answer.json()] == ["boot"]
        emu.admin("POST", "reset")
        assert requests.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_admin_dump_and_put_model(emulator: EmulatorServer, modelled: Any, production: Any) -> None:
    modelled.ok("POST", "/api/v3/objects", {"x_device_id": "d", "x_object_type": "imp"}, 201)
    dump: Any = emulator.admin("GET", "mnubo/sandbox")
    assert set(dump) == {"model", "objects", "owners", "events"}
    assert [o["key"] for o in dump["model"]["objectTypes"]] == ["imp"]
    assert emulator.admin("GET", "mnubo/production/model") == production.ok(
        "GET", "/api/v3/model/export"
    )
    old = {"key": "old", "type": {"highLevelType": "INT"}}
    drifted = {"eventTypes": [{"key": "legacy", "origin": "rule", "timeseries": [old]}]}
    emulator.admin("PUT", "mnubo/production/model", drifted)
    assert production.ok("GET", "/api/v3/model/timeseries")[0] == {
        "key": "old", "displayName": "", "description": "",
        "type": {"highLevelType": "INT"}, "eventTypeKeys": ["legacy"],
    }  # fmt: skip
    state: Any = emulator.admin("GET", "state")
    assert state["mnubo"]["clients"] == {
        "sandbox": ["sandbox-client"],
        "production": ["production-client"],
    }
    assert "sandbox-secret" not in json.dumps(state)


def test_seed_file_mnubo_section(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "accounts: []\n"
        "mnubo:\n"
        "  production:\n"
        "    clients: [{id: p, secret: q}]\n"
        "    model:\n"
        "      objectTypes: [{key: imp, description: '', objectAttributes: []}]\n",
        encoding="utf-8",
    )
    with EmulatorServer(seed=seed) as emu:
        url = emu.mnubo_url("production")
        token = requests.post(url + "/oauth/token?grant_type=client_credentials", auth=("p", "q"))
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        types = requests.get(url + "/api/v3/model/objectTypes", headers=headers).json()
        assert types == [
            {"key": "imp", "displayName": "", "description": "", "objectAttributesKeys": []}
        ]
