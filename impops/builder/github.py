"""GitHub includes (``github:owner/repo/path[@ref]``): resolved, pinned, fetched and cached.

Each include's ref (branch, tag or commit; the default branch when absent) is first resolved
to a commit SHA through ``GET /repos/{owner}/{repo}/commits/{ref}``, and the file is then read
at that commit through the contents API. The resolver records every pin, so a plan can name
the commit a build used and a moved branch shows up as changed code. Contents are cached on
disk by commit and path, stored by SHA-256, so a commit is downloaded once; refs are resolved
on every build unless the caller passes earlier ``pins`` (reproducible rebuilds) or
``offline=True`` (use the last cached resolution, never the network).

The token comes from the ``token`` argument, else ``IMPOPS_GITHUB_TOKEN``, else
``GITHUB_TOKEN``; it is only ever sent as an ``Authorization`` header and never appears in a
message. The API base URL comes from ``base_url``, else ``IMPOPS_GITHUB_API_URL``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import requests

from impops.builder.jsvalue import UNDEFINED
from impops.builder.problems import SourceFailure, mask
from impops.builder.sources import (
    LoadedSource,
    SourceRef,
    js_basename,
    js_dirname,
    sha256_text,
    with_final_newline,
)

DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARIABLES = ("IMPOPS_GITHUB_TOKEN", "GITHUB_TOKEN")
# Builder's pattern: "@" separates the ref, so it cannot appear in the path.
_INCLUDE = re.compile(
    r"^(github:|github\.com:|github\.com/)([a-z0-9\-._]+)/([a-z0-9\-._]+)/(.*?)(?:@([^@]*))?$",
    re.I,
)
_SHA = re.compile(r"^[0-9a-f]{40}$")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "impops" / "builder-github"


class GitHubResolver:
    """Reads ``github:`` includes for :func:`impops.builder.build_file`; see the module doc."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        cache_dir: Path | None = None,
        pins: Mapping[str, str] | None = None,
        offline: bool = False,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url or os.environ.get("IMPOPS_GITHUB_API_URL") or DEFAULT_API_URL
        self.base_url = self.base_url.rstrip("/")
        self._token = token if token is not None else _token_from_env()
        self.cache_dir = cache_dir or default_cache_dir()
        self.offline = offline
        self.timeout = timeout
        self._session = session or requests.Session()
        self._given_pins = dict(pins or {})
        self.pins: dict[str, str] = {}  # "github:owner/repo@ref" -> commit SHA, this build

    @staticmethod
    def supports(include_path: str) -> bool:
        return _INCLUDE.match(include_path) is not None

    def read(self, include_path: str) -> LoadedSource:
        match = _INCLUDE.match(include_path)
        if match is None:
            raise SourceFailure(f'Source "{include_path}" is not a GitHub include')
        owner, repo, path, ref = match.group(2), match.group(3), match.group(4), match.group(5)
        name = f"github:{owner}/{repo}/{path}" + (f"@{ref}" if ref is not None else "")
        try:
            commit = self._commit(owner, repo, ref)
            text = self._content(owner, repo, _normal(path), commit)
        except _FetchError as exc:
            reason = mask(str(exc), [self._token] if self._token else [])
            raise SourceFailure(f'Failed to fetch url "{include_path}": {reason}') from None
        variables = {
            "__FILE__": js_basename(path),
            "__PATH__": f"github:{owner}/{repo}/{js_dirname(path)}",
            "__REPO_REF__": ref if ref is not None else UNDEFINED,
            "__REPO_PREFIX__": f"github:{owner}/{repo}",
        }
        return LoadedSource(
            with_final_newline(text), variables, SourceRef(name, sha256_text(text), commit)
        )

    # -- refs ------------------------------------------------------------------------------

    def _commit(self, owner: str, repo: str, ref: str | None) -> str:
        key = f"github:{owner}/{repo}" + (f"@{ref}" if ref is not None else "")
        if ref is not None and _SHA.match(ref):
            commit = ref
        elif key in self._given_pins:
            commit = self._given_pins[key]
        elif self.offline:
            cached = self._cached_ref(owner, repo, ref)
            if cached is None:
                raise _FetchError(f"offline and {key} was never resolved before")
            commit = cached
        else:
            data = self._get_json(f"/repos/{_q(owner)}/{_q(repo)}/commits/{_q(ref or 'HEAD')}")
            sha = data.get("sha") if isinstance(data, dict) else None
            if not isinstance(sha, str) or not _SHA.match(sha):
                raise _FetchError(f"no commit SHA in the response for {key}")
            commit = sha
            self._store_ref(owner, repo, ref, commit)
        self.pins[key] = commit
        return commit

    def _ref_file(self, owner: str, repo: str, ref: str | None) -> Path:
        digest = hashlib.sha256((ref if ref is not None else "\0HEAD").encode()).hexdigest()
        return self.cache_dir / "refs" / owner.lower() / repo.lower() / digest

    def _cached_ref(self, owner: str, repo: str, ref: str | None) -> str | None:
        try:
            commit = self._ref_file(owner, repo, ref).read_text(encoding="ascii").strip()
        except OSError:
            return None
        return commit if _SHA.match(commit) else None

    def _store_ref(self, owner: str, repo: str, ref: str | None, commit: str) -> None:
        _write_atomic(self._ref_file(owner, repo, ref), commit.encode("ascii"))

    # -- contents --------------------------------------------------------------------------

    def _index_file(self, owner: str, repo: str, commit: str, path: str) -> Path:
        digest = hashlib.sha256(path.encode("utf-8")).hexdigest()
        return self.cache_dir / "index" / owner.lower() / repo.lower() / commit / digest

    def _content(self, owner: str, repo: str, path: str, commit: str) -> str:
        index = self._index_file(owner, repo, commit, path)
        cached = self._cached_content(index)
        if cached is not None:
            return cached
        if self.offline:
            raise _FetchError(f"offline and {path} at {commit} is not cached")
        data = self._get_json(
            f"/repos/{_q(owner)}/{_q(repo)}/contents/{quote(path)}", params={"ref": commit}
        )
        if not isinstance(data, dict) or not isinstance(data.get("content"), str):
            raise _FetchError(f"{path} is not a file")
        try:
            raw = base64.b64decode(data["content"], validate=False)
        except (binascii.Error, ValueError):
            raise _FetchError(f"{path}: undecodable content") from None
        digest = hashlib.sha256(raw).hexdigest()
        _write_atomic(self.cache_dir / "objects" / digest[:2] / digest, raw)
        _write_atomic(index, digest.encode("ascii"))
        return raw.decode("utf-8", "replace")

    def _cached_content(self, index: Path) -> str | None:
        try:
            digest = index.read_text(encoding="ascii").strip()
            raw = (self.cache_dir / "objects" / digest[:2] / digest).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(raw).hexdigest() != digest:  # corrupt entry: fetch again
            return None
        return raw.decode("utf-8", "replace")

    # -- HTTP ------------------------------------------------------------------------------

    def _get_json(self, path: str, params: dict[str, str] | None = None) -> object:
        headers = {"Accept": "application/vnd.github+json", "User-Agent": "impops-builder"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._session.get(
                self.base_url + path, params=params, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise _FetchError(f"request to {self.base_url}{path} failed, reason: {exc}") from None
        if response.status_code != 200:
            message = _error_message(response)
            raise _FetchError(f"HTTP {response.status_code}: {message}")
        try:
            return response.json()
        except ValueError:
            raise _FetchError("the response is not JSON") from None


class _FetchError(Exception):
    pass


def _token_from_env() -> str | None:
    for name in TOKEN_VARIABLES:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _q(part: str) -> str:
    return quote(part, safe="")


def _normal(path: str) -> str:
    """Builder normalises the repository path (``a/./b`` -> ``a/b``)."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == ".." and parts and parts[-1] != "..":
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _error_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "error"
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])
    return response.reason or "error"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
