"""Sticky comments and the drift issue: find our own by a hidden marker, update, never duplicate.

The marker is an HTML comment on the first line of the body, e.g.
`<!-- impops:plan:manifests -->`. Only a body that *starts* with the marker counts as ours, so
a human quoting or mentioning the marker in a reply is never overwritten. All pages of
comments are searched (a busy pull request has hundreds); the oldest match is updated, so the
comment keeps its place in the conversation.

The drift issue (see docs/ci.md, "Nightly drift"): one open issue per marker, labelled
`impops-drift` by default.

- drift found, no open issue: open one; drift found, issue open: replace its body (no new
  comment, so a nightly run does not notify anyone when nothing changed, and one comment when
  the set of drifted addresses changed).
- no drift, issue open: the body says "no drift" and one comment says the drift is gone; the
  issue stays open for a human to close (drift that disappears was perhaps reverted by hand,
  and someone should know), unless `close_resolved` asks for it, which closes it with that
  comment. No drift and no issue: nothing is written.
- A closed issue is never reopened; new drift after a close opens a new issue.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from impops.github.client import GitHubClient

MARKER_PREFIX = "<!-- impops:"
DRIFT_LABEL = "impops-drift"
_UNSAFE = re.compile(r"[^A-Za-z0-9._/*,:@+=\[\]-]+")


def marker(kind: str, key: str) -> str:
    """`<!-- impops:<kind>:<key> -->`, with `key` made safe inside an HTML comment."""
    safe = _UNSAFE.sub("_", key.strip()) or "default"
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"{MARKER_PREFIX}{kind}:{safe} -->"


def is_ours(body: str | None, mark: str) -> bool:
    return bool(body) and str(body).lstrip().startswith(mark)


def with_marker(body: str, mark: str) -> str:
    """The body with `mark` as its first line (replacing any impops marker already there)."""
    lines = body.lstrip("\n").split("\n")
    if lines and lines[0].startswith(MARKER_PREFIX):
        lines = lines[1:]
    return "\n".join([mark, *lines])


@dataclass(frozen=True)
class Outcome:
    """What was done: `action` is created/updated/unchanged/closed/none; `url` the html_url."""

    action: str
    url: str | None = None
    number: int | None = None
    duplicates: int = 0  # other comments that carry the same marker (left alone)


def find_comment(client: GitHubClient, repo: str, number: int, mark: str) -> list[dict[str, Any]]:
    """Every comment on issue/PR `number` whose body starts with `mark`, oldest first."""
    path = f"/repos/{repo}/issues/{number}/comments"
    return [c for c in client.paginate(path) if is_ours(c.get("body"), mark)]


def upsert_comment(client: GitHubClient, repo: str, number: int, body: str, mark: str) -> Outcome:
    """Update our comment on `number` (found by `mark`) or create it; never a second one."""
    body = with_marker(body, mark)
    found = find_comment(client, repo, number, mark)
    if found:
        comment = found[0]
        if comment.get("body") == body:
            return Outcome("unchanged", comment.get("html_url"), number, len(found) - 1)
        updated = client.patch(f"/repos/{repo}/issues/comments/{comment['id']}", {"body": body})
        return Outcome("updated", _url(updated, comment), number, len(found) - 1)
    created = client.post(f"/repos/{repo}/issues/{number}/comments", {"body": body})
    return Outcome("created", _url(created, {}), number)


def _url(answer: Any, fallback: dict[str, Any]) -> str | None:
    if isinstance(answer, dict) and answer.get("html_url"):
        return str(answer["html_url"])
    url = fallback.get("html_url")
    return str(url) if url else None


def find_issue(
    client: GitHubClient, repo: str, mark: str, label: str | None
) -> dict[str, Any] | None:
    """The oldest open issue (not pull request) whose body starts with `mark`."""
    params: dict[str, str | int] = {"state": "open", "sort": "created", "direction": "asc"}
    if label:
        params["labels"] = label
    for issue in client.paginate(f"/repos/{repo}/issues", params):
        if "pull_request" not in issue and is_ours(issue.get("body"), mark):
            return issue
    return None


@dataclass(frozen=True)
class DriftPost:
    """A rendered drift report for `upsert_drift_issue`."""

    body: str
    has_drift: bool
    title: str
    addresses: frozenset[str] = frozenset()
    label: str | None = DRIFT_LABEL
    close_resolved: bool = False


MAX_ADDRESSES_LINE = 4000  # beyond this the body records a digest of the set instead


def _safe(address: str) -> str:
    return address.replace("--", "-").replace(",", "_").replace(">", "_")


def _addresses_value(addresses: frozenset[str]) -> str:
    """The drifted addresses as recorded in the body: listed, or a digest when too many."""
    listed = ",".join(sorted(_safe(a) for a in addresses))
    if len(listed) <= MAX_ADDRESSES_LINE:
        return listed
    return "sha256:" + hashlib.sha256(listed.encode()).hexdigest()


def _addresses_line(addresses: frozenset[str]) -> str:
    return f"<!-- impops:addresses:{_addresses_value(addresses)} -->"


def _previous_addresses(body: str) -> str | None:
    match = re.search(r"<!-- impops:addresses:(.*?) -->", body or "")
    return None if match is None else match.group(1)


def _change_note(previous: str, addresses: frozenset[str]) -> str:
    if previous.startswith("sha256:"):
        return f"impops: drift changed; now {len(addresses)} objects (see the report above)"
    before = frozenset(a for a in previous.split(",") if a)
    now = frozenset(_safe(a) for a in addresses)
    added, gone = sorted(now - before), sorted(before - now)
    parts = [f"new: {', '.join(f'`{a}`' for a in added)}"] if added else []
    parts += [f"gone: {', '.join(f'`{a}`' for a in gone)}"] if gone else []
    return "impops: drift changed; " + "; ".join(parts)


def upsert_drift_issue(
    client: GitHubClient, repo: str, post: DriftPost, mark: str, number: int | None = None
) -> Outcome:
    """Open, update or resolve the drift issue (rules in the module docstring).

    `number` pins the issue to update instead of searching by marker.
    """
    body = with_marker(post.body.rstrip("\n") + "\n\n" + _addresses_line(post.addresses), mark)
    issue: dict[str, Any] | None
    if number is not None:
        issue = client.get(f"/repos/{repo}/issues/{number}")
        if isinstance(issue, dict) and issue.get("state") != "open":
            issue = None
    else:
        issue = find_issue(client, repo, mark, post.label)
    if issue is None:
        if not post.has_drift:
            return Outcome("none")
        payload: dict[str, Any] = {"title": post.title, "body": body}
        if post.label:
            payload["labels"] = [post.label]
        created = client.post(f"/repos/{repo}/issues", payload)
        return Outcome("created", _url(created, {}), created.get("number"))
    num = int(issue["number"])
    path = f"/repos/{repo}/issues/{num}"
    previous = _previous_addresses(str(issue.get("body") or ""))
    if issue.get("body") == body and not (post.close_resolved and not post.has_drift):
        return Outcome("unchanged", issue.get("html_url"), num)
    client.patch(path, {"body": body})
    if not post.has_drift:
        note = "impops: no drift any more; the report above is up to date."
        if post.close_resolved:
            client.post(f"{path}/comments", {"body": note + " Closing (`--close-resolved`)."})
            client.patch(path, {"state": "closed", "state_reason": "completed"})
            return Outcome("closed", issue.get("html_url"), num)
        if previous:
            client.post(f"{path}/comments", {"body": note + " Close this issue once checked."})
    elif previous is not None and previous != _addresses_value(post.addresses):
        client.post(f"{path}/comments", {"body": _change_note(previous, post.addresses)})
    return Outcome("updated", issue.get("html_url"), num)
