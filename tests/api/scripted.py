"""A tiny scripted HTTP server on 127.0.0.1 for wire-level checks the emulator cannot make
(exact request headers, Retry-After timing, foreign `links.next`, repeated ids, odd bodies).

It is a real server, not a mock: the client talks real HTTP to it. Each answer is popped from
a per-(method, path) script; the last one repeats. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN_BODY = {"access_token": "scripted-access-token-0001", "expires_in": 3600}


@dataclass
class Answer:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is instead of JSON
    delay: float = 0.0  # seconds to wait before answering (provokes client timeouts)


@dataclass
class Seen:
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: bytes


class Script:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answers: dict[tuple[str, str], list[Answer]] = {
            ("POST", "/v5/auth/token"): [Answer(200, TOKEN_BODY)]
        }
        self.seen: list[Seen] = []
        self.url = ""
        self.in_flight = 0
        self.max_in_flight = 0  # most requests being answered at once (concurrency checks)

    def on(self, method: str, path: str, *answers: Answer) -> None:
        with self.lock:
            self.answers[(method, path)] = list(answers)

    def next(self, method: str, path: str) -> Answer:
        with self.lock:
            queue = self.answers.get((method, path))
            if not queue:
                return Answer(404, {"errors": [{"status": "404", "title": "Not Found"}]})
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def requests(self, method: str | None = None) -> list[Seen]:
        with self.lock:
            return [s for s in self.seen if method is None or s.method == method]


@contextmanager
def scripted_server() -> Iterator[Script]:
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with script.lock:
                script.seen.append(Seen(self.command, self.path, dict(self.headers), body))
                script.in_flight += 1
                script.max_in_flight = max(script.max_in_flight, script.in_flight)
            try:
                self._answer(script.next(self.command, self.path))
            finally:
                with script.lock:
                    script.in_flight -= 1

        def _answer(self, answer: Answer) -> None:
            if answer.delay:
                time.sleep(answer.delay)
            payload = answer.raw
            if payload is None:
                payload = b"" if answer.body is None else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if "Content-Type" not in answer.headers:
                    self.send_header("Content-Type", "application/vnd.api+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timeout tests)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    script.url = f"http://127.0.0.1:{server.server_address[1]}/v5"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
