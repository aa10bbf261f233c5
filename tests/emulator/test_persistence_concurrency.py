"""State persistence round trip, concurrent clients, a scale check, and the CLI."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import DEFAULT_LOGIN_KEY


def test_state_round_trip(tmp_path: Path, make_api: Any) -> None:
    state = tmp_path / "state.json"
    with EmulatorServer(state_file=state) as emu:
        api = make_api(emu)
        pid = api.product("Kept")["id"]
        group = api.group(pid)
        dep = api.deploy(group, "code")
        dev = api.devices()[0]["id"]
        api.assign(group["id"], dev)
        token = api.token
        time.sleep(0.5)  # the debounced writer has saved by now
        mid = json.loads(state.read_text())
        assert pid in mid["collections"]["products"]
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp files left
    with EmulatorServer(state_file=state) as emu:
        api = make_api(emu)
        api.token = token  # access tokens survive a restart
        assert api.ok("GET", f"/products/{pid}")["data"]["attributes"]["name"] == "Kept"
        got = api.ok("GET", f"/devicegroups/{group['id']}")["data"]
        assert got["relationships"]["current_deployment"]["id"] == dep["id"]
        assert (
            api.ok("GET", f"/devices/{dev}")["data"]["relationships"]["devicegroup"]["id"]
            == (group["id"])
        )
        other = api.product("New")  # ids continue; no collision with restored ones
        assert other["id"] != pid
        assert len(api.ok("GET", "/products")["data"]) == 2


def test_concurrent_creates(emulator: EmulatorServer, make_api: Any) -> None:
    errors: list[str] = []

    def worker(n: int) -> None:
        api = make_api(emulator)
        for i in range(25):
            answer = api.call(
                "POST",
                "/products",
                {"data": {"type": "product", "attributes": {"name": f"w{n}-{i}"}}},
            )
            if answer.status_code != 201:
                errors.append(answer.text)
        # Everyone races for the same name: exactly one wins.
        api.call("POST", "/products", {"data": {"type": "product", "attributes": {"name": "race"}}})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    api = make_api(emulator)
    names = []
    url: str | None = f"{emulator.v5_url}/products?page[size]=100"
    while url:
        body = api.http.get(
            url, headers={"Authorization": f"Bearer {api.token}"}, timeout=10
        ).json()
        names += [p["attributes"]["name"] for p in body["data"]]
        url = body["links"].get("next")
    assert len(names) == 201
    assert names.count("race") == 1
    log: Any = emulator.admin("GET", "requests")
    races = [r for r in log["requests"] if r["method"] == "POST" and r["status"] in (201, 409)]
    assert len(races) == 208


def test_scale_two_thousand_objects(emulator: EmulatorServer, api: Any) -> None:
    pid = api.product("Scale")["id"]
    group = api.group(pid)
    for i in range(2000):
        body = {
            "data": {
                "type": "deployment",
                "attributes": {"device_code": f"d{i}", "agent_code": "", "tags": [f"t{i % 7}"]},
                "relationships": {"devicegroup": {"type": group["type"], "id": group["id"]}},
            }
        }
        assert api.call("POST", "/deployments", body).status_code == 201
    listed = api.ok("GET", f"/deployments?filter[devicegroup.id]={group['id']}&page[size]=100")
    assert len(listed["data"]) == 100
    last = api.ok("GET", "/deployments?page[size]=100&page[number]=20")
    assert len(last["data"]) == 100
    assert "next" not in last["links"]
    tagged = api.ok("GET", "/deployments?filter[tags]=t3&page[size]=100&page[number]=3")
    assert len(tagged["data"]) == 86  # 286 tagged t3


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_serve_prints_url_and_stops_cleanly(tmp_path: Path, stop_signal: int) -> None:
    state = tmp_path / "cli-state.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "impops",
            "emulator",
            "serve",
            "--port",
            "0",
            "--state",
            str(state),
            "--token-lifetime",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("IMPOPS_")},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("impops emulator: serving impCentral v5 at http://127.0.0.1:")
        v5 = line.rsplit(" ", 1)[1]
        assert requests.get(v5[:-3] + "/_emulator/health", timeout=10).status_code == 200
        auth = requests.post(f"{v5}/auth/token", json={"key": DEFAULT_LOGIN_KEY}, timeout=10)
        assert auth.json()["expires_in"] == 60
        token = auth.json()["access_token"]
        created = requests.post(
            f"{v5}/products",
            json={"data": {"type": "product", "attributes": {"name": "FromCli"}}},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        assert created.status_code == 201
        proc.send_signal(stop_signal)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert token not in out + err
        assert DEFAULT_LOGIN_KEY not in out + err
        assert "FromCli" in state.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stop_closes_keep_alive_connections(make_api: Any) -> None:
    emu = EmulatorServer().start()
    api = make_api(emu)
    assert api.get("/products").status_code == 200  # a pooled keep-alive connection
    emu.stop()
    with pytest.raises(requests.ConnectionError):
        api.get("/products")


def test_login_keys_are_redacted_in_the_request_log(emulator: EmulatorServer, api: Any) -> None:
    api.get(f"/accounts/me/login_keys/{DEFAULT_LOGIN_KEY}")
    log: Any = emulator.admin("GET", "requests")
    assert DEFAULT_LOGIN_KEY not in json.dumps(log)
