"""Repository, pull request, API URL and token from flags or the Actions environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impops.errors import ConfigError
from impops.github.context import pr_number_from_event, resolve, run_url

from .helpers import TOKEN


def event_env(tmp_path: Path, event: object, **extra: str) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return {"GITHUB_EVENT_PATH": str(path), "GITHUB_TOKEN": TOKEN, **extra}


def test_pull_request_event_gives_the_number(tmp_path: Path) -> None:
    env = event_env(tmp_path, {"pull_request": {"number": 12}}, GITHUB_REPOSITORY="o/r")
    ctx = resolve(env)
    assert (ctx.repo, ctx.number, ctx.api_url) == ("o/r", 12, "https://api.github.com")


def test_issue_comment_on_a_pull_request(tmp_path: Path) -> None:
    event = {"issue": {"number": 3, "pull_request": {"url": "x"}}, "repository": {}}
    assert pr_number_from_event(event) == 3
    assert pr_number_from_event({"issue": {"number": 3}}) is None  # a plain issue


def test_repository_falls_back_to_the_event_payload(tmp_path: Path) -> None:
    env = event_env(tmp_path, {"number": 9, "repository": {"full_name": "acme/fleet"}})
    ctx = resolve(env)
    assert (ctx.repo, ctx.number) == ("acme/fleet", 9)


def test_flags_win_over_environment(tmp_path: Path) -> None:
    env = event_env(
        tmp_path,
        {"pull_request": {"number": 12}},
        GITHUB_REPOSITORY="o/r",
        GITHUB_API_URL="https://ghe.example/api/v3",
    )
    ctx = resolve(env, repo="x/y", number=5, api_url="https://other.example/api/v3")
    assert (ctx.repo, ctx.number, ctx.api_url) == ("x/y", 5, "https://other.example/api/v3")
    assert resolve(env).api_url == "https://ghe.example/api/v3"


def test_push_event_without_pr_flag_is_a_clear_error(tmp_path: Path) -> None:
    env = event_env(tmp_path, {"ref": "refs/heads/main"}, GITHUB_REPOSITORY="o/r")
    with pytest.raises(ConfigError, match="--pr"):
        resolve(env)
    assert resolve(env, want_pr=False).number is None


def test_unreadable_event_file(tmp_path: Path) -> None:
    env = {"GITHUB_EVENT_PATH": str(tmp_path / "missing.json"), "GITHUB_TOKEN": TOKEN}
    with pytest.raises(ConfigError, match="GITHUB_EVENT_PATH"):
        resolve(env, repo="o/r", number=1)


@pytest.mark.parametrize("repo", ["noslash", "a/b/c", "a b/c"])
def test_bad_repository(repo: str) -> None:
    with pytest.raises(ConfigError, match="OWNER/NAME"):
        resolve({"GITHUB_TOKEN": TOKEN}, repo=repo, number=1)


def test_missing_token() -> None:
    with pytest.raises(ConfigError, match="GITHUB_TOKEN"):
        resolve({}, repo="o/r", number=1)


def test_repr_hides_the_token() -> None:
    ctx = resolve({"GITHUB_TOKEN": TOKEN}, repo="o/r", number=1)
    assert TOKEN not in repr(ctx)
    assert TOKEN not in str(ctx)


def test_run_url() -> None:
    env = {
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "o/r",
        "GITHUB_RUN_ID": "99",
    }
    assert run_url(env) == "https://github.com/o/r/actions/runs/99"
    assert run_url({}) is None
