"""Sentences and per-change descriptions shared by the text and markdown renderers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from impops import redact
from impops.engine.change import Action, Change, FieldChange
from impops.engine.diffing import UNMANAGED_REASONS
from impops.render.values import display, resource_json, short_sha

if TYPE_CHECKING:
    from impops.engine.plan import Plan, PlanSummary

NO_CHANGES = "No changes. Live impCentral state matches the manifests."
TARGETING_WARNING = "Warning: Resource targeting is in effect"
_IMPLIED = frozenset({"product", "group", "name", "event"})  # already in the address
BIG_PLAN = 30  # plans with more changes also print their summary first

HEADINGS = {
    Action.CREATE: "will be created",
    Action.UPDATE: "will be updated in place",
    Action.DELETE: "will be destroyed",
    Action.REPLACE: "must be replaced",
}


def plan_sentence(summary: PlanSummary) -> str:
    """Terraform's summary sentence, word for word."""
    return f"Plan: {summary.add} to add, {summary.change} to change, {summary.destroy} to destroy."


def devices_sentence(summary: PlanSummary) -> str:
    groups = summary.device_groups_affected
    restart = ", ".join(summary.restart) or "none"
    return (
        f"Devices affected: {summary.devices_affected:,} in {groups} device "
        f"group{'s' if groups != 1 else ''} (restart: {restart})."
    )


def heading(change: Change) -> str:
    """`<address> will be created` (a new deployment says what it replaces)."""
    text = f"{change.address} {HEADINGS[change.action]}"
    if change.resource.CODE_FIELDS and change.action is Action.CREATE:
        text += " (new deployment" + (" replacing the current one)" if change.before else ")")
    return text


def reason_text(change: Change) -> str:
    return f"{change.reason}: {change.reason_text}"


def humanize(value: Any) -> Any:
    """Turn JSON `{"redacted": ...}` stand-ins back into the human redaction marker."""
    if isinstance(value, dict):
        if set(value) == {"redacted"}:
            return redact.REDACTED
        return {k: humanize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [humanize(v) for v in value]
    return value


def show(value: Any, limit: int = 0) -> str:
    """display() that prints the redaction marker bare rather than as a JSON string."""
    value = humanize(value)
    if value == redact.REDACTED:
        return redact.REDACTED
    return display(value, limit=limit).replace(f'"{redact.REDACTED}"', redact.REDACTED)


def field_line(change: FieldChange, limit: int = 0) -> tuple[str, str]:
    """(symbol, text) for one field change; device sets as added/removed."""
    if change.path == "devices" and isinstance(change.before, list):
        added = sorted(set(change.after or ()) - set(change.before))
        removed = sorted(set(change.before) - set(change.after or ()))
        parts = [f"+{len(added)} -{len(removed)}"]
        if added:
            parts.append("added: " + ", ".join(added))
        if removed:
            parts.append("removed: " + ", ".join(removed))
        return "~", "devices: " + "; ".join(parts)
    if change.path.endswith("_sha256"):
        return "~", f"{change.path}: {short_sha(change.before)} -> {short_sha(change.after)}"
    before = display(change.before, change.sensitive, limit)
    after = display(change.after, change.sensitive, limit)
    if change.before is None:
        return "+", f"{change.path}: {after}"
    if change.after is None:
        return "-", f"{change.path}: {before}"
    return "~", f"{change.path}: {before} -> {after}"


def attribute_lines(change: Change) -> list[tuple[str, str]]:
    """What to show under a change: field changes, or a new object's attributes."""
    if change.fields:
        return [field_line(f) for f in change.fields]
    if change.action is Action.CREATE:
        data = resource_json(change.after) or {}
        lines = []
        assert change.after is not None
        for name, (digest, text) in change.after.code_files().items():
            stem = name.rsplit(".", 1)[0]
            data.pop(f"{stem}_sha256", None)
            data.pop(f"{stem}_lines", None)
            if digest:
                lines.append(("+", f"{name}: {short_sha(digest)} ({len(text.splitlines())} lines)"))
        lines.extend(
            ("+", f"{key}: {show(value)}")
            for key, value in sorted(data.items())
            if key not in _IMPLIED and value not in (None, "", [], {})
        )
        return lines
    return []


def short_change(change: Change, limit: int = 160) -> str:
    """One-cell summary of a change, for tables."""
    after, before = change.after, change.before
    if after is not None and after.CODE_FIELDS and change.action is Action.CREATE:
        parts = []
        old_files = before.code_files() if before is not None else {}
        for name, (new, _) in after.code_files().items():
            old = old_files.get(name, ("", ""))[0]
            if new != old:
                parts.append(f"{name.rsplit('.', 1)[0]} `{short_sha(old)}` → `{short_sha(new)}`")
        text = "new deployment: " + (", ".join(parts) or "same code")
    elif change.fields:
        text = "; ".join(
            line.replace(" -> ", " → ") for _, line in (field_line(f, 40) for f in change.fields)
        )
    elif change.action is Action.CREATE:
        text = "new"
    else:
        text = "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unmanaged_lines(plan: Plan) -> list[str]:
    """Pruning-off objects are listed; undeclared children are only counted."""
    kept = [u for u in plan.unmanaged if u.reason == "pruning_off"]
    named = [u for u in plan.unmanaged if u.reason not in ("pruning_off", "not_declared")]
    other = len(plan.unmanaged) - len(kept) - len(named)
    lines = [f"{u.address}: {UNMANAGED_REASONS[u.reason]}" for u in named]
    if kept:
        lines.append(
            f"{len(kept)} object{'s' if len(kept) != 1 else ''} in impCentral but not in the "
            f"manifests ({UNMANAGED_REASONS['pruning_off']}; use --prune to delete):"
        )
        lines.extend(f"  {u.address}" for u in kept)
    if other:
        lines.append(
            f"{other} deployment/device set{'s' if other != 1 else ''} of declared groups "
            "not managed by the manifests (left alone)."
        )
    return lines


def targeting_lines(plan: Plan) -> list[str]:
    if not plan.targeting_in_effect:
        return []
    filters = [f"--target {t}" for t in plan.targets] + [f"--exclude {e}" for e in plan.excludes]
    return [
        TARGETING_WARNING,
        "  The plan covers only objects matching " + " ".join(filters) + ";",
        "  it may be incomplete. Do not rely on it as a full picture of the manifests.",
    ]
