"""The GitHub REST client over real HTTP to the fake: pagination, errors, rate limits."""

from __future__ import annotations

import time

import pytest

from impops.errors import ConfigError
from impops.github.client import GitHubClient, GitHubError, GitHubRateLimitError

from .helpers import PR, REPO, TOKEN, FakeGitHub

COMMENTS = f"/repos/{REPO}/issues/{PR}/comments"


class Sleeps:
    """A `sleep` that records instead of sleeping (waits are asserted, not endured)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client(gh: FakeGitHub, sleeps: Sleeps | None = None, max_wait: float = 60) -> GitHubClient:
    return GitHubClient(TOKEN, gh.url, max_wait=max_wait, sleep=sleeps or Sleeps())


def test_paginate_follows_link_headers_to_the_last_page(gh: FakeGitHub) -> None:
    for i in range(250):
        gh.add_comment(PR, f"comment {i}")
    with client(gh) as c:
        bodies = [item["body"] for item in c.paginate(COMMENTS)]
    assert bodies == [f"comment {i}" for i in range(250)]
    pages = [r.query.get("page", "1") for r in gh.requests]
    assert pages == ["1", "2", "3"]
    assert all(r.query["per_page"] == "100" for r in gh.requests)


def test_paginate_with_a_small_server_page_size(gh: FakeGitHub) -> None:
    gh.max_per_page = 2
    for i in range(5):
        gh.add_comment(PR, f"c{i}")
    with client(gh) as c:
        assert len(list(c.paginate(COMMENTS))) == 5
    assert len(gh.requests) == 3


def test_pagination_link_to_another_host_is_refused(gh: FakeGitHub) -> None:
    with client(gh) as c, pytest.raises(GitHubError, match="another host"):
        c.request("GET", "http://127.0.0.2:1/repos/octo/fleet/issues")
    assert gh.requests == []


def test_token_is_sent_as_bearer(gh: FakeGitHub) -> None:
    with client(gh) as c:
        c.get(f"/repos/{REPO}/issues/{PR}")
    headers = gh.requests[0].headers
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, ["401", "Bad credentials", "GITHUB_TOKEN"]),
        (403, ["403", "Resource not accessible by integration", "pull-requests: write"]),
        (404, ["404", "Not Found", "--repo"]),
    ],
)
def test_error_names_the_request_status_and_hint(
    gh: FakeGitHub, status: int, words: list[str]
) -> None:
    gh.fail(status)
    with client(gh) as c, pytest.raises(GitHubError) as info:
        c.get(COMMENTS, {"per_page": 100})
    text = str(info.value)
    assert f"GET {COMMENTS}?per_page=100" in text
    assert info.value.status == status
    for word in words:
        assert word in text
    assert TOKEN not in text
    assert len(gh.requests) == 1  # a plain 403 is not retried


def test_wrong_token_gets_401_from_the_fake(gh: FakeGitHub) -> None:
    with GitHubClient("ghs_wrong_token_value", gh.url) as c, pytest.raises(GitHubError) as info:
        c.get(COMMENTS)
    assert info.value.status == 401
    assert "ghs_wrong_token_value" not in str(info.value)


def test_unknown_repo_is_404(gh: FakeGitHub) -> None:
    with client(gh) as c, pytest.raises(GitHubError, match="404"):
        c.get("/repos/octo/other/issues/1/comments")


def test_primary_rate_limit_waits_for_reset_then_retries(gh: FakeGitHub) -> None:
    gh.rate_limit(status=403, reset_in=2)
    sleeps = Sleeps()
    with client(gh, sleeps) as c:
        assert c.get(COMMENTS) == []
    assert len(gh.requests) == 2
    assert sleeps.calls, "the client must wait before retrying"
    assert all(0 < s <= 4 for s in sleeps.calls)


def test_429_with_retry_after_waits_that_long(gh: FakeGitHub) -> None:
    gh.rate_limit(status=429, retry_after=7)
    sleeps = Sleeps()
    with client(gh, sleeps) as c:
        c.get(COMMENTS)
    assert sleeps.calls
    assert 6 <= sleeps.calls[0] <= 7
    assert len(gh.requests) == 2


def test_secondary_rate_limit_without_headers_waits_a_minute(gh: FakeGitHub) -> None:
    gh.fail(403, "You have exceeded a secondary rate limit. Please wait a few minutes.")
    sleeps = Sleeps()
    with client(gh, sleeps, max_wait=120) as c:
        c.get(COMMENTS)
    assert sleeps.calls == [pytest.approx(60, abs=1)]


def test_rate_limit_longer_than_max_wait_fails_at_once(gh: FakeGitHub) -> None:
    gh.rate_limit(status=403, retry_after=3600)
    sleeps = Sleeps()
    started = time.monotonic()
    with client(gh, sleeps, max_wait=30) as c, pytest.raises(GitHubRateLimitError) as info:
        c.get(COMMENTS)
    assert time.monotonic() - started < 5
    assert sleeps.calls == []
    assert "--max-wait" in str(info.value)
    assert f"GET {COMMENTS}" in str(info.value)


def test_rate_limit_that_persists_gives_up_after_bounded_retries(gh: FakeGitHub) -> None:
    gh.rate_limit(status=429, retry_after=1, times=10)
    sleeps = Sleeps()
    with client(gh, sleeps) as c, pytest.raises(GitHubRateLimitError, match="429"):
        c.get(COMMENTS)
    assert len(gh.requests) == 3
    assert sum(sleeps.calls) <= 3


def test_remaining_zero_on_success_delays_the_next_request(gh: FakeGitHub) -> None:
    gh.remaining = 0
    gh.reset_at = int(time.time()) + 3
    sleeps = Sleeps()
    with client(gh, sleeps) as c:
        c.get(COMMENTS)
        assert sleeps.calls == []
        c.get(COMMENTS)
    assert len(sleeps.calls) == 1
    assert 0 < sleeps.calls[0] <= 5


def test_remaining_zero_with_a_far_reset_fails_before_sending(gh: FakeGitHub) -> None:
    gh.remaining = 0
    gh.reset_at = int(time.time()) + 3000
    with client(gh, max_wait=10) as c:
        c.get(COMMENTS)
        with pytest.raises(GitHubRateLimitError, match="may be retried at"):
            c.get(COMMENTS)
    assert len(gh.requests) == 1


def test_server_errors_are_retried_for_get_but_not_for_post(gh: FakeGitHub) -> None:
    gh.fail(502, "Bad Gateway", method="GET")
    with client(gh) as c:
        assert c.get(COMMENTS) == []
    assert len(gh.requests) == 2
    gh.requests.clear()
    gh.fail(502, "Bad Gateway", method="POST")
    with client(gh) as c, pytest.raises(GitHubError, match="502"):
        c.post(COMMENTS, {"body": "x"})
    assert len(gh.requests) == 1
    assert gh.comments_on(PR) == []


@pytest.mark.parametrize(
    "url",
    ["http://github.example.com/api/v3", "ftp://127.0.0.1", "https://user:pw@github.example"],
)
def test_api_url_must_be_https_or_loopback(url: str) -> None:
    with pytest.raises(ConfigError):
        GitHubClient(TOKEN, url)


def test_missing_token_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="GITHUB_TOKEN"):
        GitHubClient("", "https://api.github.com")
