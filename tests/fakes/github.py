"""A fake GitHub REST API on 127.0.0.1 for tests: real HTTP, standard library only.

Implements the endpoints `impops comment` uses, with GitHub's shapes:

- `GET/POST /repos/{owner}/{repo}/issues/{n}/comments` (paginated with `Link` headers),
  `PATCH /repos/{owner}/{repo}/issues/comments/{id}`
- `GET/POST /repos/{owner}/{repo}/issues` (paginated; `state` and `labels` filters; pull
  requests appear in the list with a `pull_request` key, as on GitHub),
  `GET/PATCH /repos/{owner}/{repo}/issues/{n}`

Every request is recorded (method, path, query, headers, JSON body) in `requests`. Faults:
`fail(status, ...)` queues error answers (401/403/404/...), `rate_limit(...)` a rate-limited
answer (403 or 429, with `Retry-After` or `X-RateLimit-Remaining: 0`), and `remaining`
controls the `X-RateLimit-*` headers sent on every answer.

Usage:
    with FakeGitHub(token="t0k3n", repo="octo/fleet") as gh:
        gh.add_pull(5); gh.add_comment(5, "hello")
        ... GitHubClient("t0k3n", gh.url) ...
        assert gh.requests[-1].method == "PATCH"
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class Fault:
    """A queued answer: sent instead of the real one to the next matching request."""

    status: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str | None = None
    path_contains: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path_contains is None or self.path_contains in path
        )


class FakeGitHub:
    """The fake server and its state; start with `start()` or use as a context manager."""

    def __init__(self, token: str = "ghs_faketoken123", repo: str = "octo/fleet") -> None:
        self.token = token
        self.repo = repo
        self.issues: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}  # id -> comment (with "issue" number)
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.max_per_page = 100
        self.rate_limit_total = 5000
        self.remaining = 4999
        self.reset_at = int(time.time()) + 3600
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeGitHub:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGitHub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- state helpers --------------------------------------------------------------------------

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _html(self, number: int, comment: int | None = None) -> str:
        url = f"https://github.example/{self.repo}/issues/{number}"
        return url + (f"#issuecomment-{comment}" if comment else "")

    def add_pull(self, number: int, title: str = "A pull request") -> dict[str, Any]:
        issue = self.add_issue(title, "", number=number)
        issue["pull_request"] = {"url": f"{self.url}/repos/{self.repo}/pulls/{number}"}
        return issue

    def add_issue(
        self,
        title: str,
        body: str,
        *,
        number: int | None = None,
        labels: list[str] | None = None,
        state: str = "open",
    ) -> dict[str, Any]:
        number = number or max(self.issues, default=0) + 1
        issue = {
            "id": self._id(),
            "number": number,
            "title": title,
            "body": body,
            "state": state,
            "labels": [{"name": n} for n in labels or []],
            "html_url": self._html(number),
        }
        self.issues[number] = issue
        return issue

    def add_comment(self, number: int, body: str, user: str = "someone") -> dict[str, Any]:
        cid = self._id()
        comment = {
            "id": cid,
            "issue": number,
            "body": body,
            "user": {"login": user},
            "html_url": self._html(number, cid),
        }
        self.comments[cid] = comment
        return comment

    def comments_on(self, number: int) -> list[dict[str, Any]]:
        return [c for c in self.comments.values() if c["issue"] == number]

    def fail(
        self,
        status: int,
        message: str = "",
        *,
        times: int = 1,
        method: str | None = None,
        path_contains: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` matching requests with `status` and GitHub's JSON error."""
        default = {401: "Bad credentials", 403: "Resource not accessible by integration"}
        text = message or default.get(status, "Not Found")
        for _ in range(times):
            self.faults.append(Fault(status, text, dict(headers or {}), method, path_contains))

    def rate_limit(
        self,
        *,
        status: int = 403,
        retry_after: int | None = None,
        reset_in: int = 2,
        times: int = 1,
    ) -> None:
        """Queue rate-limited answers: primary (`Remaining: 0` + `Reset`) or `Retry-After`."""
        headers = {
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time()) + reset_in),
        }
        if retry_after is not None:
            headers = {"Retry-After": str(retry_after)}
        self.fail(status, "API rate limit exceeded for installation.", times=times, headers=headers)


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            """Quiet: tests read `fake.requests` instead."""

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_PATCH(self) -> None:
            self._handle("PATCH")

        # --- plumbing ---------------------------------------------------------------------------

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = None
            with fake._lock:
                fake.requests.append(
                    Recorded(method, parts.path, query, dict(self.headers.items()), body)
                )
                fault = next((f for f in fake.faults if f.matches(method, parts.path)), None)
                if fault is not None:
                    fake.faults.remove(fault)
                    self._send(fault.status, {"message": fault.message}, fault.headers)
                    return
                auth = self.headers.get("Authorization", "")
                if auth not in (f"Bearer {fake.token}", f"token {fake.token}"):
                    self._send(401, {"message": "Bad credentials"})
                    return
                status, data, headers = _route(fake, method, parts.path, query, body)
            self._send(status, data, headers)

        def _send(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            payload = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            base = {
                "X-RateLimit-Limit": str(fake.rate_limit_total),
                "X-RateLimit-Remaining": str(fake.remaining),
                "X-RateLimit-Reset": str(fake.reset_at),
                "X-RateLimit-Resource": "core",
            }
            for key, value in {**base, **(headers or {})}.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)

    return Handler


Answer = tuple[int, Any, dict[str, str]]


def _page(fake: FakeGitHub, path: str, query: dict[str, str], items: list[Any]) -> Answer:
    """One page of `items` with GitHub's Link header (first/prev/next/last)."""
    per_page = max(1, min(int(query.get("per_page", 30)), fake.max_per_page))
    page = max(1, int(query.get("page", 1)))
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]
    others = {k: v for k, v in query.items() if k not in ("page", "per_page")}
    extra = "".join(f"&{k}={v}" for k, v in sorted(others.items()))

    def link(n: int, rel: str) -> str:
        return f'<{fake.url}{path}?per_page={per_page}&page={n}{extra}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    return 200, chunk, ({"Link": ", ".join(links)} if links else {})


def _public(comment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in comment.items() if k != "issue"}


def _route(fake: FakeGitHub, method: str, path: str, query: dict[str, str], body: Any) -> Answer:
    prefix = f"/repos/{fake.repo}/"
    if not path.startswith(prefix):
        return 404, {"message": "Not Found"}, {}
    rest = path[len(prefix) :].strip("/").split("/")
    body = body if isinstance(body, dict) else {}
    if rest[:2] == ["issues", "comments"] and len(rest) == 3 and method == "PATCH":
        comment = fake.comments.get(int(rest[2]))
        if comment is None:
            return 404, {"message": "Not Found"}, {}
        comment["body"] = str(body.get("body", ""))
        return 200, _public(comment), {}
    if rest == ["issues"]:
        if method == "GET":
            state = query.get("state", "open")
            label = query.get("labels")
            items = [
                i
                for i in sorted(fake.issues.values(), key=lambda i: i["number"])
                if (state == "all" or i["state"] == state)
                and (not label or label in [x["name"] for x in i["labels"]])
            ]
            return _page(fake, path, query, items)
        if method == "POST":
            issue = fake.add_issue(
                str(body.get("title", "")), str(body.get("body", "")), labels=body.get("labels")
            )
            return 201, issue, {}
    if len(rest) >= 2 and rest[0] == "issues" and rest[1].isdigit():
        issue = fake.issues.get(int(rest[1]))
        if issue is None:
            return 404, {"message": "Not Found"}, {}
        number = int(rest[1])
        if len(rest) == 2 and method == "GET":
            return 200, issue, {}
        if len(rest) == 2 and method == "PATCH":
            for key in ("title", "body", "state", "state_reason"):
                if key in body:
                    issue[key] = body[key]
            return 200, issue, {}
        if rest[2:] == ["comments"] and method == "GET":
            items = [_public(c) for c in fake.comments_on(number)]
            return _page(fake, path, query, items)
        if rest[2:] == ["comments"] and method == "POST":
            return 201, _public(fake.add_comment(number, str(body.get("body", "")), "bot")), {}
    return 404, {"message": "Not Found"}, {}
