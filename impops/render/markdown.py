"""Markdown for a sticky PR comment (gitops-conventions §2.5), size-budgeted in four tiers.

Tiers, tried in order until the comment fits `max_chars`: (1) full; (2) code diffs collapsed
to `+N −M` counts; (3) the table only; (4) the summary alone (plus the artifact link). Output
is always redacted: there is no way to show secrets here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from impops import __version__, redact
from impops.engine.change import Action
from impops.render.codediff import CodeDiff, code_diffs
from impops.render.common import (
    NO_CHANGES,
    TARGETING_WARNING,
    devices_sentence,
    plan_sentence,
    short_change,
    unmanaged_lines,
)

if TYPE_CHECKING:
    from impops.engine.plan import Plan

DEFAULT_MAX_CHARS = 65000
TIER_NOTES = {
    2: "_Code diffs collapsed to line counts to fit the comment size limit._",
    3: "_Code diffs and details omitted to fit the comment size limit._",
    4: "_The plan is too large for a comment; only the summary is shown. See the plan file._",
}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fence(lines: list[str]) -> str:
    longest = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _title(plan: Plan) -> str:
    root = plan.source.manifest_root
    s = plan.summary
    if not plan.has_changes:
        status = "✅ No changes"
    else:
        status = f"✅ {s.add} to add, {s.change} to change, "
        status += f"⚠️ {s.destroy} to destroy" if s.destroy else f"{s.destroy} to destroy"
    if plan.blocked:
        status = "⛔ Blocked by safety rules · " + status.removeprefix("✅ ")
    return f"## impops plan — `{root}` {status}"


def _meta(plan: Plan, ci_url: str | None, artifact_url: str | None) -> str:
    parts = []
    if ci_url:
        parts.append(f"[CI run]({ci_url})")
    parts.append(f"plan `{plan.checksum[:19]}…`")
    if plan.source.git_sha:
        parts.append(f"base `{plan.source.git_sha[:7]}`")
    parts.append(f"impops {__version__}")
    parts.append(plan.created_at)
    if artifact_url:
        parts.append(f"[plan file]({artifact_url})")
    return " · ".join(parts)


def _alert(plan: Plan) -> list[str]:
    lines: list[str] = []
    destroys = [c for c in plan.changes if c.action in (Action.DELETE, Action.REPLACE)]
    if destroys:
        names = ", ".join(f"`{c.address}`" for c in destroys[:10])
        more = f" and {len(destroys) - 10} more" if len(destroys) > 10 else ""
        count = len(destroys)
        lines.append(f"> **{count} destroy{'s' if count != 1 else ''}**: {names}{more}.")
    violations = plan.safety.violations
    if violations:
        state = "overridden with `--force`" if plan.safety.forced else "**blocked**"
        lines.append(f"> **Safety** {state}:")
        for check in violations:
            hint = f" Override: {check.override}." if check.override else ""
            lines.append(f"> - {check.detail}.{hint}")
    elif plan.has_changes:
        lines.append(f"> **Safety**: all {len(plan.safety.checks)} checks passed.")
    if plan.summary.devices_affected:
        lines.append(f"> **{devices_sentence(plan.summary)}**")
    if plan.targeting_in_effect:
        lines.append(f"> **{TARGETING_WARNING}**: this plan may be incomplete.")
    if not lines or not (destroys or violations or plan.summary.devices_affected):
        return ["> [!NOTE]", *lines] if lines else []
    return ["> [!WARNING]", *lines]


def _table(plan: Plan) -> list[str]:
    rows = ["| Action | Address | Change | Reason |", "|---|---|---|---|"]
    for change in plan.changes:
        flag = " 🔒" if change.protected else ""
        rows.append(
            f"| `{change.action.symbol}` | {_cell(change.address)}{flag} | "
            f"{_cell(short_change(change))} | {change.reason}"
            f"{'<br>' + _cell(change.note) if change.note else ''} |"
        )
    return rows


def _diff_block(cd: CodeDiff) -> list[str]:
    body = cd.folded(300)
    fence = _fence(body)
    return [
        f"<details><summary>Code diff: {cd.address} {cd.file} (+{cd.added} −{cd.removed})"
        "</summary>",
        "",
        f"{fence}diff",
        *body,
        fence,
        "</details>",
        "",
    ]


def _details(plan: Plan, tier: int) -> list[str]:
    lines: list[str] = []
    diffs = [cd for change in plan.changes for cd in code_diffs(change)]
    if diffs and tier == 1:
        for cd in diffs:
            lines.extend(_diff_block(cd))
    elif diffs:
        lines.append("**Code changes**:")
        lines.extend(f"- {cd.address} `{cd.file}` (+{cd.added} −{cd.removed})" for cd in diffs)
        lines.append("")
    checks = [
        f"- {'✅' if c.passed else '❌'} [{c.product}] {c.detail}" for c in plan.safety.checks
    ]
    lines.extend([f"<details><summary>Safety checks ({len(checks)})</summary>", "", *checks])
    lines.extend(["", "</details>", ""])
    unmanaged = unmanaged_lines(plan)
    if unmanaged:
        lines.extend([f"<details><summary>Left alone ({len(plan.unmanaged)})</summary>", ""])
        lines.extend(f"- {line.strip()}" for line in unmanaged)
        lines.extend(["", "</details>", ""])
    return lines


def _compose(plan: Plan, tier: int, ci_url: str | None, artifact_url: str | None) -> str:
    lines = [
        f"<!-- impops:plan:{plan.source.manifest_root} -->",
        _title(plan),
        _meta(plan, ci_url, artifact_url),
        "",
    ]
    alert = _alert(plan)
    if alert:
        lines.extend([*alert, ""])
    if not plan.has_changes:
        lines.extend([NO_CHANGES, ""])
    else:
        if tier <= 3:
            lines.extend([*_table(plan), ""])
        lines.extend([plan_sentence(plan.summary), devices_sentence(plan.summary), ""])
    if tier in TIER_NOTES:
        lines.extend([TIER_NOTES[tier], ""])
    if tier <= 2 or not plan.has_changes:
        lines.extend(_details(plan, tier))
    if plan.has_changes and not plan.blocked:
        lines.append(
            f"**To apply**: merge, or run `impops apply --plan <plan file>` "
            f"(checksum `{plan.checksum}`)."
        )
    return redact.scrub("\n".join(lines).rstrip() + "\n")


def render_markdown(
    plan: Plan,
    *,
    color: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    ci_url: str | None = None,
    artifact_url: str | None = None,
) -> str:
    """The PR comment, degraded tier by tier until it fits `max_chars` (`color` ignored)."""
    del color
    text = ""
    for tier in (1, 2, 3, 4):
        text = _compose(plan, tier, ci_url, artifact_url)
        if len(text) <= max_chars:
            return text
    note = "\n… (truncated to the comment size limit)\n"
    return text[: max(max_chars - len(note), 0)] + note
