"""A tiny fake of the two GitHub REST endpoints the resolver uses, on 127.0.0.1 only.

``GET /repos/{owner}/{repo}/commits/{ref}`` answers ``{"sha": ...}`` for a branch, tag,
``HEAD`` (the default branch) or a known commit; ``GET /repos/{owner}/{repo}/contents/{path}
?ref={sha}`` answers the file base64-encoded, as GitHub does. Every request is recorded with
its ``Authorization`` header so tests can check what was sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class FakeRepo:
    default_branch: str = "main"
    refs: dict[str, str] = field(default_factory=dict)  # branch/tag -> commit
    commits: dict[str, dict[str, str]] = field(default_factory=dict)  # commit -> path -> text

    def commit(self, files: dict[str, str], *, branch: str | None = None) -> str:
        """Add a commit with these files; move ``branch`` to it; return its SHA."""
        sha = hashlib.sha1(json.dumps(files, sort_keys=True).encode()).hexdigest()
        self.commits[sha] = dict(files)
        if branch is not None:
            self.refs[branch] = sha
        return sha


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    authorization: str | None


class FakeGitHub:
    """Start with ``FakeGitHub().start()``; ``base_url`` is the API root to configure."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[Request] = []
        self.error_message: str | None = None  # when set, every request fails with 401
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def repo(self, name: str) -> FakeRepo:
        return self.repos.setdefault(name.lower(), FakeRepo())

    def start(self) -> FakeGitHub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # quiet
                return

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = parse_qs(url.query)
                fake.requests.append(Request(url.path, query, self.headers.get("Authorization")))
                if fake.error_message is not None:
                    self._send(401, {"message": fake.error_message})
                    return
                parts = [unquote(p) for p in url.path.split("/")]
                if len(parts) < 6 or parts[1] != "repos":
                    self._send(404, {"message": "Not Found"})
                    return
                repo = fake.repos.get(f"{parts[2]}/{parts[3]}".lower())
                if repo is None:
                    self._send(404, {"message": "Not Found"})
                elif parts[4] == "commits":
                    self._commit(repo, "/".join(parts[5:]))
                elif parts[4] == "contents":
                    self._contents(repo, "/".join(parts[5:]), query.get("ref", [None])[0])
                else:
                    self._send(404, {"message": "Not Found"})

            def _commit(self, repo: FakeRepo, ref: str) -> None:
                if ref == "HEAD":
                    ref = repo.default_branch
                sha = repo.refs.get(ref, ref if ref in repo.commits else None)
                if sha is None:
                    self._send(422, {"message": f"No commit found for SHA: {ref}"})
                else:
                    self._send(200, {"sha": sha})

            def _contents(self, repo: FakeRepo, path: str, ref: str | None) -> None:
                commit = repo.refs.get(ref or repo.default_branch, ref)
                files = repo.commits.get(commit or "", {})
                if path not in files:
                    self._send(404, {"message": "Not Found"})
                    return
                raw = files[path].encode("utf-8")
                blob = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
                encoded = base64.encodebytes(raw).decode("ascii")  # GitHub wraps lines too
                body = {"type": "file", "encoding": "base64", "path": path}
                body.update({"content": encoded, "sha": blob})
                self._send(200, body)

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler
