"""Log streams: `POST /logstream`, the SSE `GET /logstream/{id}`, and device subscription.

The hub has its own lock because SSE connections block on their queues outside the store lock.
Decisions (reference 9 and 13.2): one stream per account (opening another closes the old one
with a `closed` state event); at most five devices per stream, the least recently added one is
evicted; `?format=` on the GET wins over the format given on the POST (default text); streams
are not persisted. The SSE GET needs no Authorization header: the stream id is the credential.
"""

from __future__ import annotations

import json
import queue
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from impops.emulator.impcentral.core import App, Request, Response, Route, device
from impops.emulator.impcentral.jsonapi import Rec, bad_request, not_found

MAX_DEVICES = 5
KEEPALIVE_SECONDS = 5.0
FORMATS = ("text", "json")
Event = tuple[str, Any] | None  # ("state", (state, device_id)) | ("log", entry) | None = end


@dataclass
class Stream:
    id: str
    account: str
    format: str
    devices: OrderedDict[str, None] = field(default_factory=OrderedDict)
    subscribers: list[queue.Queue[Event]] = field(default_factory=list)


class LogStreamHub:
    """All open log streams, their devices and their SSE subscribers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.streams: dict[str, Stream] = {}
        self.by_account: dict[str, str] = {}
        self.by_device: dict[str, set[str]] = {}

    def _emit(self, stream: Stream, event: Event) -> None:
        for sub in stream.subscribers:
            sub.put(event)

    def open(self, account: str, fmt: str) -> Stream:
        with self.lock:
            old = self.streams.get(self.by_account.get(account, ""))
            if old is not None:
                self._close(old)
            h = secrets.token_hex(16)
            stream = Stream(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", account, fmt)
            self.streams[stream.id] = stream
            self.by_account[account] = stream.id
            return stream

    def _close(self, stream: Stream) -> None:
        self._emit(stream, ("state", ("closed", None)))
        self._emit(stream, None)
        for device_id in stream.devices:
            self.by_device.get(device_id, set()).discard(stream.id)
        self.streams.pop(stream.id, None)
        if self.by_account.get(stream.account) == stream.id:
            del self.by_account[stream.account]

    def get(self, stream_id: str, account: str | None = None) -> Stream | None:
        with self.lock:
            stream = self.streams.get(stream_id)
        if stream is None or (account is not None and stream.account != account):
            return None
        return stream

    def add_device(self, stream: Stream, device_id: str) -> None:
        with self.lock:
            stream.devices.pop(device_id, None)
            stream.devices[device_id] = None
            self.by_device.setdefault(device_id, set()).add(stream.id)
            self._emit(stream, ("state", ("subscribed", device_id)))
            while len(stream.devices) > MAX_DEVICES:
                evicted, _ = stream.devices.popitem(last=False)
                self.by_device.get(evicted, set()).discard(stream.id)
                self._emit(stream, ("state", ("unsubscribed", evicted)))

    def remove_device(self, stream: Stream, device_id: str) -> bool:
        with self.lock:
            if device_id not in stream.devices:
                return False
            del stream.devices[device_id]
            self.by_device.get(device_id, set()).discard(stream.id)
            self._emit(stream, ("state", ("unsubscribed", device_id)))
            return True

    def forget_device(self, device_id: str) -> None:
        with self.lock:
            for stream_id in list(self.by_device.pop(device_id, set())):
                stream = self.streams.get(stream_id)
                if stream is not None and stream.devices.pop(device_id, 0) is None:
                    self._emit(stream, ("state", ("unsubscribed", device_id)))

    def publish(self, device_id: str, entry: Rec) -> None:
        with self.lock:
            for stream_id in self.by_device.get(device_id, ()):
                self._emit(self.streams[stream_id], ("log", {"device_id": device_id, **entry}))

    def subscribe(self, stream: Stream) -> queue.Queue[Event]:
        sub: queue.Queue[Event] = queue.Queue()
        with self.lock:
            stream.subscribers.append(sub)
        return sub

    def unsubscribe(self, stream: Stream, sub: queue.Queue[Event]) -> None:
        with self.lock:
            if sub in stream.subscribers:
                stream.subscribers.remove(sub)

    def close_all(self) -> None:
        with self.lock:
            for stream in list(self.streams.values()):
                self._close(stream)


def format_event(event: tuple[str, Any], fmt: str) -> bytes:
    """One SSE event in the text or JSON format the official clients parse."""
    kind, payload = event
    if kind == "state":
        state, device_id = payload
        name = "state_change"
        if fmt == "json":
            body: Rec = {"state": state}
            if device_id:
                body["device_id"] = device_id
            data = json.dumps(body, separators=(",", ":"))
        else:
            data = f"{device_id} {state}" if device_id else state
    else:
        name = "message"
        if fmt == "json":
            fields = ("device_id", "ts", "log_type", "type", "msg")
            data = json.dumps({k: payload[k] for k in fields}, separators=(",", ":"))
        else:
            data = " ".join(str(payload[k]) for k in ("device_id", "ts", "log_type", "type", "msg"))
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {name}\n{lines}\n".encode()


def open_stream(app: App, req: Request, params: dict[str, str]) -> Response:
    fmt = req.query.get("format", "text")
    if fmt not in FORMATS:
        raise bad_request("format must be text or json.", "Invalid Format")
    stream = app.hub.open(req.caller, fmt)
    url = app.url(req, f"/logstream/{stream.id}")
    doc = {"data": {"type": "logstream", "id": stream.id, "attributes": {"url": url}}}
    return Response(201, doc)


def connect(app: App, req: Request, params: dict[str, str]) -> Response:
    stream = app.hub.get(params["id"])
    if stream is None:
        raise not_found("logstream", params["id"])
    fmt = req.query.get("format", stream.format)
    if fmt not in FORMATS:
        raise bad_request("format must be text or json.", "Invalid Format")
    hub = app.hub
    sub = hub.subscribe(stream)

    def run(write: Callable[[bytes], None]) -> None:
        try:
            write(format_event(("state", ("opened", None)), fmt))
            while True:
                try:
                    event = sub.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    write(b": keepalive\n\n")
                    continue
                if event is None:
                    return
                write(format_event(event, fmt))
        finally:
            hub.unsubscribe(stream, sub)

    headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
    return Response(200, None, headers, stream=run)


def _stream_and_device(app: App, req: Request, params: dict[str, str]) -> tuple[Stream, str]:
    stream = app.hub.get(params["id"], req.caller)
    if stream is None:
        raise not_found("logstream", params["id"])
    return stream, device(app, req, params["device"])["id"]


def add_device(app: App, req: Request, params: dict[str, str]) -> Response:
    stream, device_id = _stream_and_device(app, req, params)
    app.hub.add_device(stream, device_id)
    return Response(204)


def remove_device(app: App, req: Request, params: dict[str, str]) -> Response:
    stream, device_id = _stream_and_device(app, req, params)
    if not app.hub.remove_device(stream, device_id):
        raise not_found("device in this logstream", params["device"])
    return Response(204)


ROUTES = [
    Route("POST", "/logstream", open_stream),
    Route("GET", "/logstream/{id}", connect, auth=False),
    Route("PUT", "/logstream/{id}/{device}", add_device),
    Route("DELETE", "/logstream/{id}/{device}", remove_device),
]
