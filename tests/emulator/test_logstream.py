"""Log streams over real SSE: open, add device, inject a log, state changes, eviction."""

from __future__ import annotations

import json
import queue
import threading
from typing import Any

import pytest
import requests

from impops.emulator import EmulatorServer


class Sse:
    """Reads an SSE response on a thread and hands out (event, data) pairs."""

    def __init__(self, url: str) -> None:
        self.answer = requests.get(
            url, stream=True, timeout=10, headers={"Accept": "text/event-stream"}
        )
        self.events: queue.Queue[tuple[str, str] | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event, data = "message", []
        try:
            for line in self.answer.iter_lines(chunk_size=1, decode_unicode=True):
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line == "" and data:
                    self.events.put((event, "\n".join(data)))
                    event, data = "message", []
        except requests.RequestException:
            pass
        self.events.put(None)

    def next(self) -> tuple[str, str] | None:
        return self.events.get(timeout=10)


@pytest.fixture
def opened(emulator: EmulatorServer, api: Any) -> tuple[str, str]:
    doc = api.ok("POST", "/logstream", status=201)["data"]
    assert doc["type"] == "logstream"
    return doc["id"], doc["attributes"]["url"]


def test_text_stream_end_to_end(emulator: EmulatorServer, api: Any, opened: Any) -> None:
    stream_id, url = opened
    assert url == f"{emulator.v5_url}/logstream/{stream_id}"
    sse = Sse(f"{url}?format=text")  # no Authorization header: the id is the credential
    assert sse.answer.status_code == 200
    assert sse.answer.headers["Content-Type"] == "text/event-stream"
    assert sse.next() == ("state_change", "opened")
    dev = api.devices()[0]
    mac = dev["attributes"]["mac_address"]
    api.ok("PUT", f"/logstream/{stream_id}/{mac}", status=204)
    assert sse.next() == ("state_change", f"{dev['id']} subscribed")
    emulator.admin(
        "POST",
        f"devices/{dev['id']}/logs",
        {"logs": [{"ts": "2026-03-01T10:00:00.000Z", "type": "server.log", "msg": "hello world"}]},
    )
    assert sse.next() == (
        "message",
        f"{dev['id']} 2026-03-01T10:00:00.000Z development server.log hello world",
    )
    api.ok("DELETE", f"/logstream/{stream_id}/{dev['id']}", status=204)
    assert sse.next() == ("state_change", f"{dev['id']} unsubscribed")
    assert api.call("DELETE", f"/logstream/{stream_id}/{dev['id']}").status_code == 404
    # One stream per account: a new one closes the old.
    api.ok("POST", "/logstream", status=201)
    assert sse.next() == ("state_change", "closed")
    assert sse.next() is None
    assert requests.get(url, timeout=10).status_code == 404


def test_json_stream_and_lru_eviction(emulator: EmulatorServer, api: Any, opened: Any) -> None:
    stream_id, url = opened
    sse = Sse(f"{url}?format=json")
    assert json.loads(sse.next()[1]) == {"state": "opened"}  # type: ignore[index]
    devices = api.devices()[:6]
    for dev in devices:
        api.ok("PUT", f"/logstream/{stream_id}/{dev['id']}", status=204)
    states = [json.loads(sse.next()[1]) for _ in range(7)]  # type: ignore[index]
    assert {"state": "unsubscribed", "device_id": devices[0]["id"]} in states  # evicted first
    emulator.admin("POST", f"devices/{devices[5]['id']}/logs", {"msg": "json line"})
    event, data = sse.next()  # type: ignore[misc]
    entry = json.loads(data)
    assert event == "message"
    assert set(entry) == {"device_id", "ts", "log_type", "type", "msg"}
    assert entry["msg"] == "json line"
    assert entry["device_id"] == devices[5]["id"]


def test_logstream_errors(emulator: EmulatorServer, api: Any, opened: Any) -> None:
    stream_id, _ = opened
    assert requests.get(f"{emulator.v5_url}/logstream/nope", timeout=10).status_code == 404
    assert api.call("PUT", f"/logstream/{stream_id}/0000000000000000").status_code == 404
    assert api.call("PUT", f"/logstream/other/{api.devices()[0]['id']}").status_code == 404
