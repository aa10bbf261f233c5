"""GitHub includes against the local fake API: resolution, pinning, caching and tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from impops.builder import BuildError, GitHubResolver, build_text

from .fake_github import FakeGitHub

TOKEN = "ghp_SECRET_TOKEN_VALUE_123"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    server = FakeGitHub().start()
    repo = server.repo("acme/lib")
    repo.commit(
        {
            "src/util.nut": "// util @{__FILE__} [@{__PATH__}] @{__REPO_PREFIX__} @{__REPO_REF__}\n"
            '@include "github:acme/lib/src/leaf.nut@v1"\n'
            '@include "local.nut"\n',
            "src/leaf.nut": "// leaf v1",
            "src/ref.nut": "ref=@{__REPO_REF__} defined=@{defined(__REPO_REF__)}\n",
        },
        branch="v1",
    )
    repo.refs["main"] = repo.refs["v1"]
    try:
        yield server
    finally:
        server.stop()


def _resolver(fake: FakeGitHub, tmp_path: Path, **kwargs: object) -> GitHubResolver:
    return GitHubResolver(base_url=fake.base_url, cache_dir=tmp_path / "cache", **kwargs)  # type: ignore[arg-type]


def _build(text: str, root: Path, resolver: GitHubResolver, lc: bool = False) -> str:
    (root / "local.nut").write_text("// local fallback\n")
    return build_text(text, name="main.nut", root=root, github=resolver, line_control=lc).code


def test_include_expands_with_repository_variables(fake: FakeGitHub, tmp_path: Path) -> None:
    code = _build(
        '@include "github:acme/lib/src/util.nut@v1"\n', tmp_path, _resolver(fake, tmp_path)
    )
    assert code == (
        "// util util.nut [github:acme/lib/src] github:acme/lib v1\n// leaf v1\n// local fallback\n"
    )


def test_line_control_names_the_github_source(fake: FakeGitHub, tmp_path: Path) -> None:
    code = _build(
        '@include "github:acme/lib/src/leaf.nut@v1"\n', tmp_path, _resolver(fake, tmp_path), lc=True
    )
    assert code == '#line 1 "github:acme/lib/src/leaf.nut"\n// leaf v1\n'


@pytest.mark.parametrize("prefix", ["github:", "github.com:", "github.com/"])
def test_include_forms(fake: FakeGitHub, tmp_path: Path, prefix: str) -> None:
    code = _build(
        f'@include "{prefix}acme/lib/src/leaf.nut@v1"\n', tmp_path, _resolver(fake, tmp_path)
    )
    assert code == "// leaf v1\n"


def test_default_branch_without_ref(fake: FakeGitHub, tmp_path: Path) -> None:
    text = '@include "github:acme/lib/src/ref.nut"\nmain=@{__REPO_REF__}\n'
    resolver = _resolver(fake, tmp_path)
    # As in Builder, the ref variable exists but is undefined inside the include.
    assert _build(text, tmp_path, resolver) == "ref=undefined defined=true\nmain=null\n"
    assert any(r.path.endswith("/commits/HEAD") for r in fake.requests)
    assert resolver.pins == {"github:acme/lib": fake.repo("acme/lib").refs["main"]}


def test_sources_record_the_commit(fake: FakeGitHub, tmp_path: Path) -> None:
    result = build_text(
        '@include "github:acme/lib/src/leaf.nut@v1"\n',
        name="main.nut",
        root=tmp_path,
        github=_resolver(fake, tmp_path),
    )
    commit = fake.repo("acme/lib").refs["v1"]
    names = {s.name: s for s in result.sources}
    assert names["github:acme/lib/src/leaf.nut@v1"].commit == commit
    assert names["main.nut"].commit is None
    assert result.line_map == (("github:acme/lib/src/leaf.nut@v1", 1),)


def test_moved_branch_is_a_change_unless_pinned(fake: FakeGitHub, tmp_path: Path) -> None:
    text = '@include "github:acme/lib/src/leaf.nut@v1"\n'
    first = _resolver(fake, tmp_path)
    assert _build(text, tmp_path, first) == "// leaf v1\n"
    old = first.pins["github:acme/lib@v1"]
    new = fake.repo("acme/lib").commit({"src/leaf.nut": "// leaf v2\n"}, branch="v1")
    moved = _resolver(fake, tmp_path)
    assert _build(text, tmp_path, moved) == "// leaf v2\n"
    assert moved.pins["github:acme/lib@v1"] == new != old
    pinned = _resolver(fake, tmp_path, pins=first.pins)
    assert _build(text, tmp_path, pinned) == "// leaf v1\n"


def test_contents_are_cached_by_commit(fake: FakeGitHub, tmp_path: Path) -> None:
    text = '@include "github:acme/lib/src/leaf.nut@v1"\n'
    _build(text, tmp_path, _resolver(fake, tmp_path))
    contents_before = sum("/contents/" in r.path for r in fake.requests)
    assert contents_before == 1
    _build(text, tmp_path, _resolver(fake, tmp_path))
    assert sum("/contents/" in r.path for r in fake.requests) == 1  # served from the cache
    fake.requests.clear()
    assert _build(text, tmp_path, _resolver(fake, tmp_path, offline=True)) == "// leaf v1\n"
    assert fake.requests == []


def test_commit_sha_refs_need_no_resolution(fake: FakeGitHub, tmp_path: Path) -> None:
    sha = fake.repo("acme/lib").refs["v1"]
    _build(f'@include "github:acme/lib/src/leaf.nut@{sha}"\n', tmp_path, _resolver(fake, tmp_path))
    assert not any("/commits/" in r.path for r in fake.requests)


def test_token_from_environment_is_sent_and_never_shown(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMPOPS_GITHUB_TOKEN", TOKEN)
    _build('@include "github:acme/lib/src/leaf.nut@v1"\n', tmp_path, _resolver(fake, tmp_path))
    assert {r.authorization for r in fake.requests} == {f"Bearer {TOKEN}"}
    fake.error_message = f"Bad credentials for {TOKEN}"
    with pytest.raises(BuildError) as info:
        _build('@include "github:acme/lib/src/leaf.nut@v2"\n', tmp_path, _resolver(fake, tmp_path))
    assert TOKEN not in str(info.value)
    assert TOKEN not in info.value.problems[0].builder_text
    assert "Bad credentials" in info.value.problems[0].message


def test_github_token_fallback(
    fake: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "fallback-token")
    _build('@include "github:acme/lib/src/leaf.nut@v1"\n', tmp_path, _resolver(fake, tmp_path))
    assert {r.authorization for r in fake.requests} == {"Bearer fallback-token"}


def test_missing_file_is_a_located_error(fake: FakeGitHub, tmp_path: Path) -> None:
    with pytest.raises(BuildError) as info:
        _build(
            'ok\n@include "github:acme/lib/src/none.nut@v1"\n', tmp_path, _resolver(fake, tmp_path)
        )
    problem = info.value.problems[0]
    assert (problem.file, problem.line, problem.column) == ("main.nut", 2, 1)
    assert problem.message.startswith('Failed to fetch url "github:acme/lib/src/none.nut@v1"')
    assert "Not Found" in problem.message


def test_unknown_ref_is_an_error(fake: FakeGitHub, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="No commit found"):
        _build(
            '@include "github:acme/lib/src/leaf.nut@nope"\n', tmp_path, _resolver(fake, tmp_path)
        )


def test_offline_without_cache_fails(fake: FakeGitHub, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="offline"):
        _build(
            '@include "github:acme/lib/src/leaf.nut@v1"\n',
            tmp_path,
            _resolver(fake, tmp_path, offline=True),
        )
    assert fake.requests == []


def test_without_resolver_github_includes_fail(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="needs a GitHub resolver"):
        build_text('@include "github:acme/lib/x.nut"\n', name="main.nut", root=tmp_path)
