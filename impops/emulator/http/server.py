"""The threaded HTTP/1.1 server every emulated API runs in, and routing by path prefix.

A request under `/_emulator/` goes to the site's admin handler; one under a mount's prefix goes
to that mount after the shared machinery has run: latency, injected faults (before or after
the request is performed, as an error status or a dropped connection), the optional rate
limit, Content-Encoding decoding and the request log. Mounts answer with `Response`s or raise
`HttpError`; an unexpected exception still gets an answer in the mount's error shape (500).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

from impops.emulator.http.bodies import BodyError, decode_content
from impops.emulator.http.faults import Controls, Fault, fault_headers
from impops.emulator.http.messages import HttpError, Request, Response

log = logging.getLogger("impops.emulator")


class Mount(Protocol):
    """One emulated API, served under `prefix` (e.g. `/v5`, `/mnubo/sandbox`)."""

    prefix: str
    rate_limited: bool  # whether the shared rate limiter applies to this API

    def handle(self, req: Request) -> Response:
        """Answer a request whose `path` is relative to `prefix` (raise HttpError to fail)."""
        ...

    def error(self, status: int, title: str, detail: str) -> Response:
        """An error answer in this API's own shape (injected faults, 429, 500, bad bodies)."""
        ...

    def log_path(self, path: str) -> str:
        """`path` with any credential in it redacted, for the request log and stderr."""
        ...


class Site(Protocol):
    """What the server serves: the mounts, the admin API and the shared controls."""

    controls: Controls
    mounts: list[Mount]

    def handle_admin(self, req: Request) -> Response: ...

    def not_found(self, path: str) -> Response: ...


class _Dropped(Exception):
    """Close the connection without writing a response (an injected fault)."""


class Handler(BaseHTTPRequestHandler):
    """One HTTP/1.1 keep-alive connection; every method goes through `_handle`."""

    protocol_version = "HTTP/1.1"
    server_version = "impops-emulator"
    sys_version = ""
    server: EmulatorHTTPServer

    timeout = 300  # idle keep-alive connections are closed after five minutes

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, but disable Nagle anyway so that small
        # responses on keep-alive connections never wait for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's own access log; see `_log_request`."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # --- request parsing -----------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _request(self, path: str, query: str, raw: bytes) -> Request:
        host = self.headers.get("Host") or f"{self.server.host}:{self.server.port}"
        return Request(
            method=self.command,
            path=path,
            # parse_qsl percent-decodes keys and values: `filter%5Bowner.id%5D` and
            # `filter[owner.id]` read the same, and `a%2Cb` becomes `a,b`.
            query=dict(parse_qsl(query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=None,
            base_url=f"http://{host}",
            client_ip=self.client_address[0],
            raw=raw,
        )

    # --- dispatch ------------------------------------------------------------------------

    def _handle(self) -> None:
        site = self.server.site
        split = urlsplit(self.path)
        path = split.path
        started = time.monotonic()
        self._fault_note: str | None = None
        mount = _mount_for(site.mounts, path)
        logged = mount.log_path(path) if mount is not None else path
        try:
            raw = self._read_body()
            if path.startswith("/_emulator/"):
                req = self._request(path[len("/_emulator") :], split.query, raw)
                resp = site.handle_admin(req)
            elif mount is not None:
                resp = self._api(site.controls, mount, path, split.query, raw)
            else:
                resp = site.not_found(path)
        except _Dropped:
            self.close_connection = True
            self._log_request(site, mount, logged, split.query, 0, started)
            return
        except HttpError as exc:
            resp = exc.response
        except Exception:  # noqa: BLE001 - a bug must still produce an answer in the API's shape
            log.exception("emulator: unhandled error on %s %s", self.command, logged)
            detail = "The emulator failed to process the request."
            resp = (
                mount.error(500, "Internal Error", detail)
                if mount is not None
                else Response(500, {"error": detail})
            )
        self._log_request(site, mount, logged, split.query, resp.status, started)
        if resp.stream is not None:
            self._stream(resp)
        else:
            self._send(resp)

    def _log_request(
        self, site: Site, mount: Mount | None, path: str, query: str, status: int, t0: float
    ) -> None:
        if mount is not None:
            site.controls.requests.record(self.command, path, query, status, self._fault_note)
        if log.isEnabledFor(logging.INFO):
            ms = (time.monotonic() - t0) * 1000
            log.info("%s %s %s %.1fms", self.command, path, status or "dropped", ms)

    def _api(self, controls: Controls, mount: Mount, path: str, query: str, raw: bytes) -> Response:
        if controls.latency_ms:
            time.sleep(controls.latency_ms / 1000)
        fault = controls.faults.take(self.command, path)
        if fault is not None and not fault.after:
            time.sleep(fault.delay_ms / 1000)
            self._fault_note = "drop before" if fault.drop else "status before"
            if fault.drop:
                raise _Dropped
            return _fault_response(mount, fault)
        limit_headers: dict[str, str] = {}
        if mount.rate_limited:
            token = (self.headers.get("Authorization") or "").partition(" ")[2].strip()
            allowed, limit_headers = controls.ratelimiter.check(
                f"token:{token}" if token else f"ip:{self.client_address[0]}"
            )
            if not allowed:
                resp = mount.error(
                    429,
                    "Rate Limit Exceeded",
                    "Too many requests; retry after the number of seconds in Retry-After.",
                )
                resp.headers.update(limit_headers)
                return resp
        try:
            body = decode_content(raw, self.headers.get("Content-Encoding"))
        except BodyError as exc:
            resp = mount.error(400, "Invalid Request", str(exc))
        else:
            req = self._request(path[len(mount.prefix) :] or "/", query, body)
            try:
                resp = mount.handle(req)
            except HttpError as exc:
                resp = exc.response
        resp.headers.update(limit_headers)
        if fault is not None:  # after: the request was performed; now lose its response
            time.sleep(fault.delay_ms / 1000)
            self._fault_note = "drop after" if fault.drop else "status after"
            if fault.drop:
                raise _Dropped
            return _fault_response(mount, fault)
        return resp

    # --- responses -----------------------------------------------------------------------

    def _send(self, resp: Response) -> None:
        body = b""
        content_type = resp.content_type
        if isinstance(resp.body, str):
            body = resp.body.encode("utf-8")
            content_type = content_type or "text/plain; charset=utf-8"
        elif resp.body is not None:
            body = json.dumps(resp.body, separators=(",", ":")).encode("utf-8")
            content_type = content_type or "application/json"
        lines = [f"HTTP/1.1 {resp.status} {phrase(resp.status)}"]
        headers: dict[str, str] = {"Server": self.server_version, "Date": self.date_time_string()}
        if body and content_type:
            headers["Content-Type"] = content_type
        headers["Content-Length"] = str(len(body))
        headers.update(resp.headers)
        if self.close_connection:
            headers["Connection"] = "close"
        lines += [f"{k}: {v}" for k, v in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            self.wfile.write(head + (b"" if self.command == "HEAD" else body))
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _stream(self, resp: Response) -> None:
        """Server-sent events: headers at once (clients resolve on `open`), then events."""
        assert resp.stream is not None
        self.close_connection = True
        self.send_response_only(resp.status)
        for key, value in {**resp.headers, "Connection": "close"}.items():
            self.send_header(key, value)
        try:
            self.end_headers()
            self.wfile.flush()

            def write(data: bytes) -> None:
                self.wfile.write(data)
                self.wfile.flush()

            resp.stream(write)
        except OSError:
            pass  # the client went away


def _mount_for(mounts: list[Mount], path: str) -> Mount | None:
    for mount in mounts:
        if path == mount.prefix or path.startswith(mount.prefix + "/"):
            return mount
    return None


def _fault_response(mount: Mount, fault: Fault) -> Response:
    resp = mount.error(fault.status, phrase(fault.status, "Injected Fault"), _FAULT_DETAIL)
    resp.headers.update(fault_headers(fault))
    return resp


_FAULT_DETAIL = "Injected by the emulator's fault admin API."


def phrase(status: int, default: str = "Status") -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return default


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], site: Site) -> None:
        self.site = site
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)
        self.host = str(self.server_address[0])
        self.port = int(self.server_address[1])

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def close_connections(self) -> None:
        """End keep-alive connections too, so a stopped emulator really stops answering."""
        with self._connections_lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
