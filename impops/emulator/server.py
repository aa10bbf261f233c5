"""The HTTP side of the emulator: request parsing, dispatch, faults, rate limiting, SSE, and
`EmulatorServer`, the Python API tests and the CLI use.

Routes: `/v5/...` is impCentral; `/_emulator/...` is the admin API; `/mnubo/sandbox` and
`/mnubo/production` are reserved for a Mnubo emulator (404 until it exists).
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from impops.emulator import auth
from impops.emulator.core import Request, Response
from impops.emulator.jsonapi import ApiError, bad_request
from impops.emulator.runtime import Runtime

log = logging.getLogger("impops.emulator")

_LOGIN_KEY_PATH = re.compile(r"(/login_keys/)[^/]+")
GROUP_DELETE_MODES = ("keep", "cascade")
MNUBO_PREFIXES = ("/mnubo/sandbox", "/mnubo/production")  # reserved: a later Mnubo emulator


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
        req = Request(
            method=self.command,
            path=path,
            # parse_qsl percent-decodes keys and values: `filter%5Bowner.id%5D` and
            # `filter[owner.id]` read the same, and `a%2Cb` becomes `a,b`.
            query=dict(parse_qsl(query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=None,
            base_url=f"http://{host}",
            client_ip=self.client_address[0],
        )
        text = raw.decode("utf-8", errors="replace").strip()
        if text:
            try:
                # Clients send the literal `null` as the body of GET/DELETE/actions: fine.
                req.body = json.loads(text)
            except ValueError:
                if path.startswith("/v5") or path.startswith("/_emulator"):
                    raise bad_request("The request body is not valid JSON.") from None
        return req

    # --- dispatch ------------------------------------------------------------------------

    def _handle(self) -> None:
        rt = self.server.runtime
        split = urlsplit(self.path)
        path = split.path
        started = time.monotonic()
        self._fault_note: str | None = None
        try:
            raw = self._read_body()
            if path.startswith("/_emulator/"):
                resp = self._admin(rt, path[len("/_emulator") :], split.query, raw)
            elif path == "/v5" or path.startswith("/v5/"):
                resp = self._api(rt, path, split.query, raw)
            elif path.startswith(MNUBO_PREFIXES):
                # Reserved: a Mnubo emulator will be mounted here (another issue).
                raise ApiError(404, "NF003", "Not Emulated", "Mnubo is not emulated yet.")
            else:
                raise ApiError(404, "NF002", "Resource Not Found", f"No such endpoint: {path}")
        except _Dropped:
            self.close_connection = True
            self._log_request(rt, path, split.query, 0, self._fault_note, started)
            return
        except ApiError as exc:
            resp = Response(exc.status, exc.document(), exc.headers)
        except Exception:  # noqa: BLE001 - a bug must still produce a JSON:API answer
            log.exception("emulator: unhandled error on %s %s", self.command, path)
            resp = Response(
                500,
                {
                    "errors": [
                        {
                            "status": "500",
                            "code": "XX001",
                            "title": "Internal Error",
                            "detail": "The emulator failed to process the request.",
                        }
                    ]
                },
            )
        self._log_request(rt, path, split.query, resp.status, self._fault_note, started)
        if resp.stream is not None:
            self._stream(resp)
        else:
            self._send(resp, path)

    def _log_request(
        self, rt: Runtime, path: str, query: str, status: int, fault: str | None, t0: float
    ) -> None:
        # A login key's id is the key itself: never put it in a log.
        path = _LOGIN_KEY_PATH.sub(r"\1(redacted)", path)
        if path == "/v5" or path.startswith("/v5/"):
            rt.requests.record(self.command, path, query, status, fault)
        if log.isEnabledFor(logging.INFO):
            ms = (time.monotonic() - t0) * 1000
            log.info("%s %s %s %.1fms", self.command, path, status or "dropped", ms)

    def _admin(self, rt: Runtime, path: str, query: str, raw: bytes) -> Response:
        handler, params = rt.admin.match(self.command, path)
        req = self._request(path, query, raw)
        with rt.store.lock:
            resp: Response = handler(rt, req, params)
        if self.command != "GET":
            rt.changed()
        return resp

    def _api(self, rt: Runtime, path: str, query: str, raw: bytes) -> Response:
        if rt.latency_ms:
            time.sleep(rt.latency_ms / 1000)
        fault = rt.faults.take(self.command, path)
        if fault is not None and not fault.after:
            self._fault_note = "drop before" if fault.drop else "status before"
            if fault.drop:
                raise _Dropped
            raise self._fault_error(fault.status)
        token = (self.headers.get("Authorization") or "").partition(" ")[2].strip()
        allowed, limit_headers = rt.ratelimiter.check(
            f"token:{token}" if token else f"ip:{self.client_address[0]}"
        )
        if not allowed:
            raise ApiError(
                429,
                "XX429",
                "Rate Limit Exceeded",
                "Too many requests; retry after the number of seconds in Retry-After.",
                headers=limit_headers,
            )
        try:
            resp = self._dispatch(rt, path[len("/v5") :] or "/", query, raw)
        except ApiError as exc:
            exc.headers.update(limit_headers)
            raise
        resp.headers.update(limit_headers)
        if fault is not None:  # after: the request was performed; now lose its response
            self._fault_note = "drop after" if fault.drop else "status after"
            if fault.drop:
                raise _Dropped
            raise self._fault_error(fault.status)
        return resp

    @staticmethod
    def _fault_error(status: int) -> ApiError:
        try:
            title = HTTPStatus(status).phrase
        except ValueError:
            title = "Injected Fault"
        return ApiError(status, "XX500", title, "Injected by the emulator's fault admin API.")

    def _dispatch(self, rt: Runtime, path: str, query: str, raw: bytes) -> Response:
        route, params = rt.api.match(self.command, path)
        req = self._request(path, query, raw)
        with rt.store.lock:
            if route.auth:
                req.account = auth.authenticate(rt.app, req)
            resp: Response = route.handler(rt.app, req, params)
        if self.command != "GET" and resp.status < 400:
            rt.changed()
        return resp

    # --- responses -----------------------------------------------------------------------

    def _send(self, resp: Response, path: str) -> None:
        body = b""
        if resp.body is not None:
            body = json.dumps(resp.body, separators=(",", ":")).encode("utf-8")
        lines = [f"HTTP/1.1 {resp.status} {_phrase(resp.status)}"]
        headers: dict[str, str] = {"Server": self.server_version, "Date": self.date_time_string()}
        if body:
            is_resource = path.startswith("/v5/") and not path.startswith("/v5/auth")
            headers["Content-Type"] = (
                "application/vnd.api+json" if is_resource else "application/json"
            )
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


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], runtime: Runtime) -> None:
        self.runtime = runtime
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


class EmulatorServer:
    """A running impCentral v5 emulator on `host:port` (port 0: any free port).

    Usage: `with EmulatorServer() as emu: requests.post(emu.v5_url + "/auth", ...)`.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: str | Path | dict[str, Any] | None = None,
        state_file: str | Path | None = None,
        latency_ms: int = 0,
        rate_limit: int | None = None,
        token_lifetime: int = 3600,
        group_delete: str = "keep",
    ) -> None:
        if group_delete not in GROUP_DELETE_MODES:
            raise ValueError(f"group_delete must be one of {', '.join(GROUP_DELETE_MODES)}")
        self.host = host
        self.port = port
        self.runtime = Runtime(
            seed, state_file, latency_ms, rate_limit, token_lifetime, group_delete
        )
        self._httpd: EmulatorHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = f"http://{host}:{port}"
        self.v5_url = self.base_url + "/v5"

    def start(self) -> EmulatorServer:
        """Bind and serve in a background thread; returns self once it accepts requests."""
        self._httpd = EmulatorHTTPServer((self.host, self.port), self.runtime)
        self.port = self._httpd.port
        shown = self.host if ":" not in self.host else f"[{self.host}]"
        self.base_url = f"http://{shown}:{self.port}"
        self.v5_url = self.base_url + "/v5"
        if self.runtime.persister is not None:
            self.runtime.persister.start()
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="impops-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end log streams, and save the state (when --state is used)."""
        self.runtime.hub.close_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.close_connections()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self.runtime.persister is not None:
            self.runtime.persister.stop()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def admin(self, method: str, path: str, json: object = None) -> object:
        """Call `/_emulator/<path>` over HTTP; the parsed JSON answer, or None for 204."""
        data = None if json is None else _json_bytes(json)
        request = urllib.request.Request(
            f"{self.base_url}/_emulator/{path.lstrip('/')}",
            data=data,
            method=method.upper(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - loopback
                text = answer.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")
            raise RuntimeError(
                f"emulator admin {method} {path}: HTTP {exc.code}: {detail}"
            ) from None
        return _json_loads(text) if text else None


def _json_bytes(value: object) -> bytes:
    return json.dumps(value).encode("utf-8")


def _json_loads(text: bytes) -> object:
    loaded: object = json.loads(text)
    return loaded
