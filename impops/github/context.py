"""Where to comment: repository, pull request, API URL and token, from flags or Actions env.

Precedence is always flag, then environment, then the event payload. In GitHub Actions
`GITHUB_REPOSITORY` is `owner/name`, `GITHUB_EVENT_PATH` is a JSON file with the triggering
event (`pull_request.number` for pull_request/pull_request_target, `issue.number` for
issue_comment on a pull request, `number` as a last resort), and `GITHUB_API_URL` points at
the right API on GitHub Enterprise Server.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from impops.errors import ConfigError
from impops.github.client import DEFAULT_API_URL

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class GitHubContext:
    """The resolved target. `token` is never printed (see `__repr__`)."""

    repo: str
    api_url: str
    token: str
    number: int | None = None  # pull request (plan) or issue (drift) number
    run_url: str | None = None  # link to this CI run, for the comment header

    def __repr__(self) -> str:
        return (
            f"GitHubContext(repo={self.repo!r}, api_url={self.api_url!r}, "
            f"number={self.number!r}, token=<hidden>)"
        )


def read_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The Actions event payload, or {} when `GITHUB_EVENT_PATH` is unset."""
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read GITHUB_EVENT_PATH {path!r}: {exc}") from None
    return data if isinstance(data, dict) else {}


def pr_number_from_event(event: Mapping[str, Any]) -> int | None:
    """The pull request an event is about, or None (push, schedule, issue without a PR)."""
    pull = event.get("pull_request")
    if isinstance(pull, dict) and isinstance(pull.get("number"), int):
        return int(pull["number"])
    issue = event.get("issue")
    if (
        isinstance(issue, dict)
        and isinstance(issue.get("number"), int)
        and issue.get("pull_request")
    ):
        return int(issue["number"])
    number = event.get("number")
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    return None


def _repo(flag: str | None, env: Mapping[str, str], event: Mapping[str, Any]) -> str:
    repo = flag or env.get("GITHUB_REPOSITORY") or ""
    if not repo:
        repository = event.get("repository")
        if isinstance(repository, dict):
            repo = str(repository.get("full_name") or "")
    if not repo:
        raise ConfigError("no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY")
    if not _REPO.match(repo):
        raise ConfigError(f"--repo must look like OWNER/NAME, not {repo!r}")
    return repo


def run_url(env: Mapping[str, str]) -> str | None:
    """`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID`, when in Actions."""
    server, repo, run = (
        env.get("GITHUB_SERVER_URL"),
        env.get("GITHUB_REPOSITORY"),
        env.get("GITHUB_RUN_ID"),
    )
    if server and repo and run:
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run}"
    return None


def resolve(
    env: Mapping[str, str],
    *,
    repo: str | None = None,
    number: int | None = None,
    api_url: str | None = None,
    want_pr: bool = True,
) -> GitHubContext:
    """Build the context; `want_pr` requires a pull request number (flag or event)."""
    event = read_event(env)
    resolved_repo = _repo(repo, env, event)
    if number is None and want_pr:
        number = pr_number_from_event(event)
        if number is None:
            raise ConfigError(
                "no pull request: pass --pr N, or run on a pull_request event "
                "(GITHUB_EVENT_PATH names no pull request)"
            )
    if number is not None and number < 1:
        raise ConfigError("--pr/--issue must be a positive number")
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        raise ConfigError(
            "no GitHub token: set GITHUB_TOKEN (in Actions: env: GITHUB_TOKEN: "
            "${{ secrets.GITHUB_TOKEN }})"
        )
    return GitHubContext(
        repo=resolved_repo,
        api_url=api_url or env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        token=token,
        number=number,
        run_url=run_url(env),
    )
