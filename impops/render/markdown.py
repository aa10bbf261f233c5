"""Markdown for a sticky PR comment (gitops-conventions §2.5), size-budgeted in four tiers.

Tiers, tried in order until the comment fits `max_chars`: (1) full; (2) code diffs collapsed
to `+N −M` counts; (3) the change table only; (4) the summary with a pointer to the full plan
artifact. Destroys and blocked changes come first in every tier. The same renderer serves a
live plan and a saved one (`impops show`, `impops comment`): both are a `PlanView`. Output is
always redacted: there is no way to show secrets here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from impops import __version__, redact
from impops.github.sticky import marker
from impops.render.codediff import CodeDiff
from impops.render.common import (
    NO_CHANGES,
    TARGETING_WARNING,
    apply_command,
    attribute_lines,
    devices_sentence,
    filters,
    plan_sentence,
    protection_note,
    quiet_line,
    reason_line,
    short_change,
    shown_checks,
    unmanaged_lines,
)
from impops.render.identity import plan_key
from impops.render.view import PlanView, view_of_plan

if TYPE_CHECKING:
    from impops.engine.plan import Plan

DEFAULT_MAX_CHARS = 65_536  # GitHub's limit on a comment body
TIER_NOTES = {
    2: "_Code diffs collapsed to line counts to fit the comment size limit._",
    3: "_Code diffs and details omitted to fit the comment size limit._",
    4: "_The plan is too large for a comment; only the summary is shown. See the full plan "
    "in the plan artifact._",
}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _fence(lines: list[str]) -> str:
    longest = max((len(m) for line in lines for m in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def _title(view: PlanView, key: str) -> str:
    s = view.summary
    if not view.has_changes:
        status = "✅ No changes"
    else:
        destroy = s.get("destroy", 0)
        status = f"✅ {s.get('add', 0)} to add, {s.get('change', 0)} to change, "
        status += f"⚠️ {destroy} to destroy" if destroy else "0 to destroy"
    if view.blocked:
        status = "⛔ Blocked by safety rules · " + status.removeprefix("✅ ")
    return f"## impops plan — `{key}` {status}"


def _meta(view: PlanView, ci_url: str | None, artifact_url: str | None) -> str:
    parts = [f"[CI run]({ci_url})"] if ci_url else []
    parts.append(f"plan `{view.checksum[:19]}…`")
    if view.git_sha:
        parts.append(f"base `{view.git_sha[:7]}`")
    parts.append(f"impops {view.data.get('impops_version') or __version__}")
    if view.data.get("timestamp"):
        parts.append(str(view.data["timestamp"]))
    if artifact_url:
        parts.append(f"[plan file]({artifact_url})")
    return " · ".join(parts)


def _alert(view: PlanView) -> list[str]:
    lines: list[str] = []
    destroys = view.destroys
    if destroys:
        names = ", ".join(f"`{c.address}`" for c in destroys[:10])
        more = f" and {len(destroys) - 10} more" if len(destroys) > 10 else ""
        count = len(destroys)
        lines.append(f"> **{count} destroy{'s' if count != 1 else ''}**: {names}{more}.")
    if view.violations:
        state = "overridden with `--force`" if view.forced and not view.blocked else "**blocked**"
        lines.append(f"> **Safety** {state}:")
        for check in view.violations:
            hint = f" Override: {check['override']}." if check.get("override") else ""
            lines.append(f"> - {check.get('detail')}.{hint}")
    elif view.forced:
        lines.append("> **Made with `--force`** (no safety rule needed overriding).")
    for change in view.changes:
        if change.allowed:
            lines.append(f"> **Allowed**: {protection_note(view, change)}.")
    if view.summary.get("devices_affected"):
        lines.append(f"> **{devices_sentence(view.summary)}**")
    if view.targeting_in_effect:
        lines.append(f"> **{TARGETING_WARNING}** ({filters(view)}): this plan may be incomplete.")
    if not lines:
        return []
    loud = destroys or view.violations or view.forced or view.summary.get("devices_affected")
    return ["> [!WARNING]" if loud else "> [!NOTE]", *lines]


def _table(view: PlanView) -> list[str]:
    rows = ["| Action | Address | Change |", "|---|---|---|"]
    for change in view.review_order:
        flag = " 🔒" if change.protected else ""
        what = short_change(change)
        if change.protected:
            what += " — " + protection_note(view, change)
        if change.impossible:
            what += " — cannot be applied: " + change.impossible
        if change.note:
            what += " — " + change.note
        rows.append(f"| `{change.symbol}` | {_cell(change.address)}{flag} | {_cell(what)} |")
    return rows


def _diff_title(cd: CodeDiff, addresses: tuple[str, ...]) -> str:
    where = ", ".join(addresses)
    return f"{cd.file} (+{cd.added} −{cd.removed}) for {where}"


def _code(view: PlanView, tier: int) -> list[str]:
    """Each distinct code change once, listing every change it reaches."""
    lines: list[str] = []
    if tier >= 2:
        if view.code_groups:
            lines.append("**Code changes**:")
            lines.extend(f"- {_diff_title(g.diff, g.addresses)}" for g in view.code_groups)
            lines.append("")
        return lines
    for group in view.code_groups:
        body = group.diff.folded(300)
        fence = _fence(body)
        title = _diff_title(group.diff, group.addresses)
        lines += [f"<details><summary>Code diff: {title}</summary>", ""]
        lines += [f"{fence}diff", *body, fence, "</details>", ""]
    return lines


def _change_details(view: PlanView) -> list[str]:
    """Every change's attributes (a create's full set), in one folded block."""
    body: list[str] = []
    for c in view.review_order:
        body.append(f"{c.symbol} {c.address}")
        why = reason_line(c)
        if why:
            body.append(f"    # {why}")
        body.extend(f"    {sym} {text}" for sym, text in attribute_lines(c))
    if not body:
        return []
    fence = _fence(body)
    n = len(view.changes)
    title = f"Details of {n} change{'s' if n != 1 else ''}"
    return [f"<details><summary>{title}</summary>", "", fence, *body, fence, "</details>", ""]


def _safety(view: PlanView) -> list[str]:
    """Checks that bite or count, then one line for the quiet rest."""
    shown, quiet = shown_checks(view)
    if not view.checks:
        return []
    lines = [f"<details><summary>Safety checks ({len(view.checks)})</summary>", ""]
    for c in shown:
        detail = str(c.get("detail"))
        where = "" if detail.startswith("[") else f"[{c.get('product')}] "
        lines.append(f"- {'✅' if c.get('passed') else '❌'} {where}{detail}")
    if quiet:
        lines.append(f"- ✅ {quiet_line(view, quiet)}")
    lines.extend(f"- ⚠️ `--allow {a}` matched no protected change" for a in view.unused_allow)
    return [*lines, "", "</details>", ""]


def _unmanaged(view: PlanView) -> list[str]:
    lines = unmanaged_lines(view)
    if not lines:
        return []
    out = [f"<details><summary>Left alone ({len(view.unmanaged)})</summary>", ""]
    out.extend(f"- {line.strip()}" for line in lines)
    return [*out, "", "</details>", ""]


def _footer(view: PlanView, plan_file: str | None, artifact_url: str | None) -> list[str]:
    if not view.has_changes:
        return []
    if view.blocked:
        return ["**Not applyable**: a safety rule blocks this plan (see above)."]
    where = f" ([plan file]({artifact_url}))" if artifact_url else ""
    return [
        f"**To apply**: merge, or run `{apply_command(view, plan_file)}`{where} "
        f"(checksum `{view.checksum}`)."
    ]


def compose(
    view: PlanView,
    tier: int,
    *,
    key: str,
    ci_url: str | None = None,
    artifact_url: str | None = None,
    plan_file: str | None = None,
    with_marker: bool = True,
) -> str:
    """The comment at one tier (1 full … 4 summary)."""
    lines = [marker("plan", key)] if with_marker else []
    lines += [_title(view, key), _meta(view, ci_url, artifact_url), ""]
    alert = _alert(view)
    if alert:
        lines += [*alert, ""]
    if not view.has_changes:
        lines += [NO_CHANGES, ""]
    else:
        if tier <= 3:
            lines += [*_table(view), ""]
        lines += [plan_sentence(view.summary), ""]
    if tier in TIER_NOTES and view.has_changes:
        lines += [TIER_NOTES[tier], ""]
    if tier <= 2:
        lines += _code(view, tier)
        lines += _change_details(view)
        lines += _safety(view)
        lines += _unmanaged(view)
    lines += _footer(view, plan_file, artifact_url)
    return redact.scrub("\n".join(lines).rstrip() + "\n")


def render_view_markdown(
    view: PlanView,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    ci_url: str | None = None,
    artifact_url: str | None = None,
    plan_file: str | None = None,
    key: str | None = None,
    with_marker: bool = True,
) -> str:
    """The comment, degraded tier by tier until it fits `max_chars`."""
    key = key or plan_key(view.manifest_root, view.targets)
    text = ""
    for tier in (1, 2, 3, 4):
        text = compose(
            view,
            tier,
            key=key,
            ci_url=ci_url,
            artifact_url=artifact_url,
            plan_file=plan_file,
            with_marker=with_marker,
        )
        if len(text) <= max_chars:
            return text
    note = "\n… (truncated to the comment size limit)\n"
    return text[: max(max_chars - len(note), 0)] + note


def render_markdown(
    plan: Plan,
    *,
    color: bool = False,
    max_chars: int = DEFAULT_MAX_CHARS,
    ci_url: str | None = None,
    artifact_url: str | None = None,
) -> str:
    """A live plan's comment (`color` ignored)."""
    del color
    return render_view_markdown(
        view_of_plan(plan), max_chars=max_chars, ci_url=ci_url, artifact_url=artifact_url
    )
