"""`impops comment` end to end over HTTP against the fake GitHub."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from impops.cli import main

from .helpers import PR, REPO, TOKEN, FakeGitHub, change, field

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], env: dict[str, str]) -> Run:
    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["comment", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke


def writes(gh: FakeGitHub) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in gh.requests if r.method != "GET"]


# --- plan comment ------------------------------------------------------------------------------


def test_first_run_creates_the_comment(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    code, _, err = run("--plan", str(write_plan()))
    assert code == 0, err
    [comment] = gh.comments_on(PR)
    assert comment["body"].startswith("<!-- impops:plan:manifests -->\n## impops plan")
    assert "devicegroup/acme/prod" in comment["body"]
    assert "[CI run](https://github.example/octo/fleet/actions/runs/4242)" in comment["body"]
    assert "Created" in err
    assert comment["html_url"] in err


def test_marker_on_page_three_is_updated_not_duplicated(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    for i in range(230):
        gh.add_comment(PR, f"review chatter {i}")
    ours = gh.add_comment(
        PR, "<!-- impops:plan:manifests -->\nold plan", user="github-actions[bot]"
    )
    for i in range(5):
        gh.add_comment(PR, f"later chatter {i}")
    code, _, err = run("--plan", str(write_plan()))
    assert code == 0, err
    pages = [r.query.get("page", "1") for r in gh.requests if r.method == "GET"]
    assert pages == ["1", "2", "3"]
    assert writes(gh) == [("PATCH", f"/repos/{REPO}/issues/comments/{ours['id']}")]
    assert len(gh.comments_on(PR)) == 236
    assert "devicegroup/acme/prod" in gh.comments[ours["id"]]["body"]
    assert "Updated" in err


def test_second_push_updates_the_same_comment(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    assert run("--plan", str(write_plan()))[0] == 0
    new = [
        change("devicegroup/acme/prod", fields=[field("description", "a", "c")]),
        change("webhook/acme/prod/hook", action="delete"),
    ]
    code, _, err = run("--plan", str(write_plan(new)))
    assert code == 0, err
    [comment] = gh.comments_on(PR)
    assert "webhook/acme/prod/hook" in comment["body"]
    assert [m for m, _ in writes(gh)] == ["POST", "PATCH"]
    # the destroy is listed first and called out
    body = comment["body"]
    assert body.index("webhook/acme/prod/hook") < body.index("devicegroup/acme/prod")
    assert "1 to destroy" in body


def test_unchanged_plan_writes_nothing(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    plan = str(write_plan())
    run("--plan", plan)
    code, _, err = run("--plan", plan)
    assert code == 0
    assert "already up to date" in err
    assert [m for m, _ in writes(gh)] == ["POST"]


def test_a_quoted_marker_in_someone_elses_comment_is_not_ours(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    other = gh.add_comment(PR, "why does <!-- impops:plan:manifests --> say that?")
    run("--plan", str(write_plan()))
    assert gh.comments[other["id"]]["body"].startswith("why does")
    assert len(gh.comments_on(PR)) == 2


def test_one_comment_per_target_filter(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    a = write_plan(name="a.json", targets=["*/acme/*"])
    b = write_plan(name="b.json", targets=["*/globex/*"])
    run("--plan", str(a))
    run("--plan", str(b))
    run("--plan", str(a))
    markers = sorted(c["body"].split("\n")[0] for c in gh.comments_on(PR))
    assert markers == [
        "<!-- impops:plan:manifests[*/acme/*] -->",
        "<!-- impops:plan:manifests[*/globex/*] -->",
    ]


def test_explicit_key_and_flags_override_the_environment(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    monkeypatch.delenv("GITHUB_REPOSITORY")
    monkeypatch.delenv("GITHUB_API_URL")
    gh.add_pull(8)
    code, _, err = run(
        "--plan",
        str(write_plan()),
        "--repo",
        REPO,
        "--pr",
        "8",
        "--api-url",
        gh.url,
        "--key",
        "prod",
    )
    assert code == 0, err
    [comment] = gh.comments_on(8)
    assert comment["body"].startswith("<!-- impops:plan:prod -->")


def test_no_pull_request_is_a_clear_error(
    gh: FakeGitHub,
    run: Run,
    write_plan: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    push = tmp_path / "push.json"
    push.write_text(json.dumps({"ref": "refs/heads/main"}))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(push))
    code, _, err = run("--plan", str(write_plan()))
    assert code == 1
    assert "--pr" in err
    assert gh.requests == []


@pytest.mark.parametrize(("status", "word"), [(401, "401"), (403, "403"), (404, "404")])
def test_http_errors_exit_1_naming_the_request(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path], status: int, word: str
) -> None:
    gh.fail(status)
    code, out, err = run("--plan", str(write_plan()))
    assert code == 1
    assert f"error: GitHub answered {word}" in err
    assert f"GET /repos/{REPO}/issues/{PR}/comments" in err
    assert out == ""


def test_403_on_update_names_the_patch(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    ours = gh.add_comment(PR, "<!-- impops:plan:manifests -->\nold")
    gh.fail(403, method="PATCH")
    code, _, err = run("--plan", str(write_plan()))
    assert code == 1
    assert f"PATCH /repos/{REPO}/issues/comments/{ours['id']}" in err


def test_token_never_in_output_or_logs(
    gh: FakeGitHub,
    write_plan: Callable[..., Path],
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    gh.fail(403, f"token {TOKEN} is not allowed")  # even when the server echoes it
    assert main(["--debug", "comment", "--plan", str(write_plan())]) == 1
    gh.rate_limit(status=429, retry_after=0)
    assert main(["--debug", "-v", "comment", "--plan", str(write_plan())]) == 0
    out = capsys.readouterr()
    assert "403" in out.err
    texts = [out.out, out.err, caplog.text, *(c["body"] for c in gh.comments_on(PR))]
    texts += [str(r.body) for r in gh.requests]
    for text in texts:
        assert TOKEN not in text


def test_rate_limited_then_succeeds(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    gh.rate_limit(status=403, retry_after=0)
    code, _, err = run("--plan", str(write_plan()))
    assert code == 0, err
    assert len(gh.comments_on(PR)) == 1


def test_rate_limit_beyond_max_wait_exits_1(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    gh.rate_limit(status=403, retry_after=900)
    code, _, err = run("--plan", str(write_plan()), "--max-wait", "5")
    assert code == 1
    assert "rate limit" in err
    assert "--max-wait" in err


def test_dry_run_prints_and_sends_nothing(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN")
    code, out, _ = run("--plan", str(write_plan()), "--dry-run")
    assert code == 0
    assert out.startswith("<!-- impops:plan:manifests -->")
    assert gh.requests == []


def test_max_chars_degrades_to_fit(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    many = [
        change(f"devicegroup/acme/g{i:03}", fields=[field("description", "a" * 50, "b" * 50)])
        for i in range(200)
    ]
    code, out, _ = run("--plan", str(write_plan(many)), "--dry-run", "--max-chars", "3000")
    assert code == 0
    assert len(out) <= 3000
    assert "too large for a comment" in out
    assert "Plan: 0 to add, 200 to change, 0 to destroy." in out


def test_edited_plan_file_is_refused(
    gh: FakeGitHub, run: Run, write_plan: Callable[..., Path]
) -> None:
    path = write_plan()
    data = json.loads(path.read_text())
    data["resource_changes"][0]["address"] = "devicegroup/acme/other"
    path.write_text(json.dumps(data))
    code, _, err = run("--plan", str(path))
    assert code == 4
    assert "checksum" in err
    assert gh.requests == []


# --- drift issue -------------------------------------------------------------------------------


def drift_issues(gh: FakeGitHub) -> list[dict[str, object]]:
    return [i for i in gh.issues.values() if "pull_request" not in i]


def test_drift_opens_an_issue_then_updates_it(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    code, _, err = run("--drift", str(write_drift(["devicegroup/acme/prod"])))
    assert code == 0, err
    [issue] = drift_issues(gh)
    assert issue["title"] == "impops drift: acme"
    assert issue["labels"] == [{"name": "impops-drift"}]
    body = str(issue["body"])
    assert body.startswith("<!-- impops:drift:acme -->")
    assert "devicegroup/acme/prod" in body
    assert "(sensitive value)" in body
    assert '"x"' not in body
    assert '"y"' not in body
    # same drift again: no new issue, no comment
    run("--drift", str(write_drift(["devicegroup/acme/prod"])))
    assert len(drift_issues(gh)) == 1
    assert gh.comments_on(int(str(issue["number"]))) == []
    # more drift: the body is replaced and one comment says what changed
    run("--drift", str(write_drift(["devicegroup/acme/prod", "webhook/acme/prod/h"])))
    comments = gh.comments_on(int(str(issue["number"])))
    assert len(comments) == 1
    assert "new: `webhook/acme/prod/h`" in comments[0]["body"]
    assert "webhook/acme/prod/h" in str(issue["body"])


def test_no_drift_keeps_the_issue_open_and_says_so_once(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    run("--drift", str(write_drift(["devicegroup/acme/prod"])))
    [issue] = drift_issues(gh)
    number = int(str(issue["number"]))
    run("--drift", str(write_drift([])))
    run("--drift", str(write_drift([])))
    assert issue["state"] == "open"
    assert "No drift" in str(issue["body"])
    assert len(gh.comments_on(number)) == 1


def test_close_resolved_closes_with_a_comment(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    run("--drift", str(write_drift(["devicegroup/acme/prod"])))
    [issue] = drift_issues(gh)
    code, _, err = run("--drift", str(write_drift([])), "--close-resolved")
    assert code == 0
    assert "closed" in err
    assert issue["state"] == "closed"
    assert "Closing" in gh.comments_on(int(str(issue["number"])))[0]["body"]
    # drift after a close opens a fresh issue rather than reopening
    run("--drift", str(write_drift(["devicegroup/acme/prod"])))
    assert len(drift_issues(gh)) == 2


def test_no_drift_and_no_issue_writes_nothing(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    code, _, err = run("--drift", str(write_drift([])))
    assert code == 0
    assert "nothing posted" in err
    assert writes(gh) == []


def test_drift_skips_pull_requests_and_unmarked_issues(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    gh.add_issue("unrelated", "mentions <!-- impops:drift:acme --> later", labels=["impops-drift"])
    gh.issues[PR]["body"] = "<!-- impops:drift:acme -->"  # a pull request, never our issue
    gh.issues[PR]["labels"] = [{"name": "impops-drift"}]
    run("--drift", str(write_drift(["devicegroup/acme/prod"])))
    assert [m for m, _ in writes(gh)] == ["POST"]
    assert writes(gh)[0][1] == f"/repos/{REPO}/issues"


def test_drift_issue_pinned_by_number(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    pinned = gh.add_issue("Fleet drift", "", number=50)
    run("--drift", str(write_drift(["devicegroup/acme/prod"])), "--issue", "50")
    assert str(pinned["body"]).startswith("<!-- impops:drift:acme -->")
    assert len(drift_issues(gh)) == 1


def test_large_drift_stays_under_the_limit_and_notes_changes(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    many = [f"devicegroup/acme/group--{i:04}" for i in range(600)]
    run("--drift", str(write_drift(many)))
    [issue] = drift_issues(gh)
    number = int(str(issue["number"]))
    assert len(str(issue["body"])) <= 65_536
    assert "<!-- impops:addresses:sha256:" in str(issue["body"])
    run("--drift", str(write_drift(many)))
    assert gh.comments_on(number) == []
    run("--drift", str(write_drift(many[:-1])))
    [note] = gh.comments_on(number)
    assert "now 599 objects" in note["body"]


def test_addresses_with_double_dashes_compare_stably(
    gh: FakeGitHub, run: Run, write_drift: Callable[[list[str]], Path]
) -> None:
    run("--drift", str(write_drift(["webhook/acme/g/x--y"])))
    run("--drift", str(write_drift(["webhook/acme/g/x--y"])))
    [issue] = drift_issues(gh)
    assert gh.comments_on(int(str(issue["number"]))) == []
    assert "-->" not in str(issue["body"]).split("<!-- impops:addresses:")[1][:-5]


def test_not_a_drift_report(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}")
    code, _, err = run("--drift", str(path))
    assert code == 1
    assert "not an impops drift report" in err
