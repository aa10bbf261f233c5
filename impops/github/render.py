"""Markdown for the sticky comment and the drift issue, from the saved JSON files.

Why an adapter: `impops.render.markdown.render_markdown` needs a live `Plan` (with `Change`
objects and code text), while `impops comment` only has the plan file, which by design holds
no code and no secrets. This module renders the same layout (gitops-conventions §2.5) from
the plan JSON, degrading in tiers until it fits `max_chars`: (1) the table plus per-change
details; (2) the table; (3) the table without the change column; (4) the summary and a
pointer to the plan artifact. Destroys and protected changes come first. Drift is rendered
from `impops drift --format json` the same way. Everything passes through `redact.scrub`.

The only imports of plan/render internals are here, so a move of those modules touches one
file. Once `impops show` can render a saved plan as markdown, `render_saved_plan` should
become a thin call to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from impops import __version__, redact
from impops.engine.plan import SavedPlan
from impops.errors import ConfigError
from impops.render.common import show

DEFAULT_MAX_CHARS = 65_536  # GitHub's limit on a comment or issue body
_DESTROYS = ("delete", "replace")
_SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "-/+"}
TIER_NOTES = {
    2: "_Per-change details omitted to fit the comment size limit._",
    3: "_Only the list of changes is shown to fit the comment size limit._",
    4: "_The plan is too large for a comment; only the summary is shown. See the plan file._",
}


def _cell(text: str, limit: int = 160) -> str:
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _action(change: dict[str, Any]) -> str:
    actions = list(change.get("change", {}).get("actions") or [])
    return "replace" if len(actions) > 1 else (actions[0] if actions else "update")


def _sorted_changes(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Destroys first, then protected changes, then the rest in apply order."""

    def rank(item: tuple[int, dict[str, Any]]) -> tuple[int, int]:
        index, change = item
        first = 0 if _action(change) in _DESTROYS else 1 if change.get("protected") else 2
        return (first, index)

    return [c for _, c in sorted(enumerate(changes), key=rank)]


def _field_text(field: dict[str, Any]) -> str:
    path = str(field.get("path", ""))
    secret = bool(field.get("sensitive"))
    before, after = field.get("before"), field.get("after")
    if secret:
        before = redact.REDACTED if before is not None else None
        after = redact.REDACTED if after is not None else None
    if path.endswith("_sha256"):
        return f"{path}: `{str(before or 'none')[:7]}` → `{str(after or 'none')[:7]}`"
    if before is None:
        return f"{path}: + {show(after, 60)}"
    if after is None:
        return f"{path}: − {show(before, 60)}"
    return f"{path}: {show(before, 60)} → {show(after, 60)}"


def _short(change: dict[str, Any]) -> str:
    body = change.get("change", {})
    fields = body.get("fields") or []
    action = _action(change)
    if fields:
        return "; ".join(_field_text(f) for f in fields)
    if change.get("kind") == "deployment" and action == "create":
        after = body.get("after") or {}
        return "new deployment: " + ", ".join(
            f"{k} `{str(after.get(f'{k}_sha256') or 'none')[:7]}`" for k in ("agent", "device")
        )
    return "new" if action == "create" else "—"


def _attributes(change: dict[str, Any]) -> list[str]:
    """A created object's attributes (secrets are fingerprints already; shown as masked)."""
    after = change.get("change", {}).get("after") or {}
    skip = {"product", "name", "group"}
    return [
        f"  {key}: {show(value, 200)}"
        for key, value in sorted(after.items())
        if key not in skip and value not in (None, "", [], {})
    ]


def _details(change: dict[str, Any]) -> list[str]:
    fields = change.get("change", {}).get("fields") or []
    lines = [f"  {_field_text(f)}" for f in fields] or _attributes(change)
    reason = change.get("action_reason")
    if reason:
        lines.append(f"  reason: {reason}")
    return lines


class PlanDocument:
    """The saved plan as the renderer sees it (loaded and checksum-verified)."""

    def __init__(self, saved: SavedPlan) -> None:
        self.data = saved.data
        self.checksum = saved.checksum
        self.blocked = saved.blocked
        self.applyable = saved.applyable
        self.manifest_root = saved.source.manifest_root
        self.git_sha = saved.source.git_sha
        self.changes = _sorted_changes(saved.resource_changes)
        source = self.data.get("source") or {}
        self.targets = [str(t) for t in source.get("target_filter") or []]
        self.excludes = [str(t) for t in source.get("exclude_filter") or []]

    @staticmethod
    def load(path: str | Path) -> PlanDocument:
        return PlanDocument(SavedPlan.load(path))

    @property
    def summary(self) -> dict[str, Any]:
        summary = self.data.get("summary")
        return summary if isinstance(summary, dict) else {}

    @property
    def safety(self) -> dict[str, Any]:
        safety = self.data.get("safety")
        return safety if isinstance(safety, dict) else {}


def _title(doc: PlanDocument, key: str) -> str:
    s = doc.summary
    add, change, destroy = s.get("add", 0), s.get("change", 0), s.get("destroy", 0)
    if not doc.changes:
        status = "✅ No changes"
    else:
        status = f"✅ {add} to add, {change} to change, "
        status += f"⚠️ {destroy} to destroy" if destroy else "0 to destroy"
    if doc.blocked:
        status = "⛔ Blocked by safety rules · " + status.removeprefix("✅ ")
    return f"## impops plan — `{key}` {status}"


def _meta(doc: PlanDocument, run_url: str | None, artifact_url: str | None) -> str:
    parts = [f"[CI run]({run_url})"] if run_url else []
    parts.append(f"plan `{doc.checksum[:19]}…`")
    if doc.git_sha:
        parts.append(f"base `{doc.git_sha[:7]}`")
    parts.append(f"impops {doc.data.get('impops_version') or __version__}")
    if doc.data.get("timestamp"):
        parts.append(str(doc.data["timestamp"]))
    if artifact_url:
        parts.append(f"[plan file]({artifact_url})")
    return " · ".join(parts)


def _alert(doc: PlanDocument) -> list[str]:
    lines: list[str] = []
    destroys = [c for c in doc.changes if _action(c) in _DESTROYS]
    if destroys:
        names = ", ".join(f"`{c.get('address')}`" for c in destroys[:10])
        more = f" and {len(destroys) - 10} more" if len(destroys) > 10 else ""
        lines.append(f"> **{len(destroys)} to destroy**: {names}{more}.")
    violations = doc.safety.get("violations") or []
    if violations:
        state = "overridden with `--force`" if doc.safety.get("forced") else "**blocked**"
        lines.append(f"> **Safety** {state}:")
        for check in violations:
            override = check.get("override")
            hint = f" Override: {override}." if override else ""
            lines.append(f"> - {check.get('detail', check.get('name', ''))}.{hint}")
    devices = int(doc.summary.get("devices_affected") or 0)
    if devices:
        groups = int(doc.summary.get("device_groups_affected") or 0)
        restart = ", ".join(doc.summary.get("restart") or []) or "none"
        lines.append(
            f"> **Devices affected: {devices:,}** in {groups} device group"
            f"{'s' if groups != 1 else ''} (restart: {restart})."
        )
    if doc.targets or doc.excludes:
        filters = [f"--target {t}" for t in doc.targets] + [f"--exclude {e}" for e in doc.excludes]
        lines.append(f"> **Partial plan** ({' '.join(filters)}): it may be incomplete.")
    if not lines:
        return []
    return ["> [!WARNING]" if destroys or violations or devices else "> [!NOTE]", *lines]


def _table(doc: PlanDocument, tier: int) -> list[str]:
    if tier >= 3:
        rows = ["| Action | Address |", "|---|---|"]
    else:
        rows = ["| Action | Address | Change |", "|---|---|---|"]
    for c in doc.changes:
        flag = " 🔒" if c.get("protected") else ""
        row = f"| `{_SYMBOLS.get(_action(c), '?')}` | {_cell(str(c.get('address')))}{flag} |"
        rows.append(row if tier >= 3 else f"{row} {_cell(_short(c))} |")
    return rows


def _safety_block(doc: PlanDocument) -> list[str]:
    """Checks that bite or count are listed; the rest are folded into one number."""
    checks = doc.safety.get("checks") or []
    shown = [c for c in checks if not c.get("passed") or c.get("count")]
    quiet = len(checks) - len(shown)
    if not checks:
        return []
    lines = [f"<details><summary>Safety checks ({len(checks)})</summary>", ""]
    for c in shown:
        mark = "✅" if c.get("passed") else "❌"
        lines.append(f"- {mark} [{c.get('product')}] {c.get('detail')}")
    if quiet:
        lines.append(
            f"- ✅ {quiet} other check{'s' if quiet != 1 else ''} passed (nothing counted)"
        )
    return [*lines, "", "</details>", ""]


def _compose(
    doc: PlanDocument, key: str, tier: int, run_url: str | None, artifact_url: str | None
) -> str:
    lines = [_title(doc, key), _meta(doc, run_url, artifact_url), ""]
    alert = _alert(doc)
    if alert:
        lines += [*alert, ""]
    s = doc.summary
    sentence = (
        f"Plan: {s.get('add', 0)} to add, {s.get('change', 0)} to change, "
        f"{s.get('destroy', 0)} to destroy."
    )
    if not doc.changes:
        lines += ["No changes. Live impCentral state matches the manifests.", ""]
    else:
        if tier <= 3:
            lines += [*_table(doc, tier), ""]
        lines += [sentence, ""]
    if tier in TIER_NOTES:
        lines += [TIER_NOTES[tier], ""]
    if tier == 1 and doc.changes:
        body: list[str] = []
        for c in doc.changes:
            body += [f"{_SYMBOLS.get(_action(c), '?')} {c.get('address')}", *_details(c)]
        longest = max((len(m) for line in body for m in re.findall(r"`+", line)), default=0)
        fence = "`" * max(3, longest + 1)
        n = len(doc.changes)
        lines += [f"<details><summary>Details of {n} change{'s' if n != 1 else ''}</summary>", ""]
        lines += [fence, *body, fence, "</details>", ""]
    if tier <= 2:
        lines += _safety_block(doc)
        unmanaged = doc.data.get("unmanaged") or []
        if unmanaged:
            lines += [f"_{len(unmanaged)} object(s) in impCentral left alone (not managed)._", ""]
    if doc.changes and doc.applyable:
        lines.append(
            "**To apply**: merge this pull request; the apply job runs "
            f"`impops apply --plan plan.json` (checksum `{doc.checksum}`)."
        )
    elif doc.blocked:
        lines.append("**Not applyable**: a safety rule blocks this plan (see above).")
    return redact.scrub("\n".join(lines).rstrip() + "\n")


def render_saved_plan(
    doc: PlanDocument,
    key: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    run_url: str | None = None,
    artifact_url: str | None = None,
) -> str:
    """The comment body (without marker), degraded tier by tier to fit `max_chars`."""
    text = ""
    for tier in (1, 2, 3, 4):
        text = _compose(doc, key, tier, run_url, artifact_url)
        if len(text) <= max_chars:
            return text
    note = "\n… (truncated to the comment size limit)\n"
    return text[: max(max_chars - len(note), 0)] + note


# --- drift -------------------------------------------------------------------------------------


def load_drift(path: str | Path) -> dict[str, Any]:
    """`impops drift --format json` output, read back (format_version 1)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read drift report {path}: {exc}") from None
    if not isinstance(data, dict) or "items" not in data or "drift" not in data:
        raise ConfigError(f"{path} is not an impops drift report (impops drift --format json)")
    if str(data.get("format_version", "1")).split(".")[0] != "1":
        raise ConfigError(f"{path}: unsupported drift format_version {data['format_version']!r}")
    return data


def drift_addresses(data: dict[str, Any]) -> frozenset[str]:
    return frozenset(str(i.get("address")) for i in data.get("items") or [])


def _drift_row(item: dict[str, Any]) -> str:
    fields = item.get("fields") or []
    diff = "; ".join(_field_text(f) for f in fields) or str(item.get("meaning", ""))
    live = item.get("live_deployment") or {}
    who = ""
    if live:
        by = "impops" if live.get("made_by_impops") else "outside impops"
        who = f"{live.get('id', '?')} ({by}, {live.get('created_at') or 'time unknown'})"
    symbol = _SYMBOLS.get(str(item.get("action")), "!")
    address = _cell(str(item.get("address")))
    return f"| `{symbol}` | `{address}` | {_cell(diff)} | {_cell(who) or '—'} |"


def render_drift(
    data: dict[str, Any],
    key: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    run_url: str | None = None,
) -> str:
    """The drift issue body (without marker): a table of differences, acknowledged ones apart."""
    items = data.get("items") or []
    acknowledged = data.get("acknowledged") or []
    head = f"## impops drift — `{key}` " + ("⚠️" if data.get("drift") else "✅")
    meta = f"[CI run]({run_url}) · " if run_url else ""
    meta += f"products: {', '.join(data.get('products') or []) or '—'} · impops {__version__}"
    lines = [head, meta, ""]
    if not data.get("drift"):
        lines += ["No drift. Live impCentral state matches the manifests.", ""]
    else:
        n = len(items)
        lines += [
            f"> **{n} difference{'s' if n != 1 else ''}** between the manifests and live "
            "impCentral (shown as `impops plan` shows them: live value → manifest value).",
            "",
            "| Action | Address | Difference | Live deployment |",
            "|---|---|---|---|",
            *(_drift_row(i) for i in items),
            "",
            "Run `impops plan` to see what apply would change back, or acknowledge the drift "
            "in the baseline file.",
            "",
        ]
    if acknowledged:
        lines += [f"<details><summary>Acknowledged drift ({len(acknowledged)})</summary>", ""]
        for a in acknowledged:
            expiry = f" (until {a['expires']})" if a.get("expires") else ""
            lines.append(f"- `{a.get('address')}`: {a.get('why', '')}{expiry}")
        lines += ["", "</details>", ""]
    text = redact.scrub("\n".join(lines).rstrip() + "\n")
    if len(text) > max_chars:
        note = "\n… (truncated to the size limit; see the drift artifact)\n"
        text = text[: max(max_chars - len(note), 0)] + note
    return text
