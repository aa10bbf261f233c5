"""Sentences and per-change descriptions shared by the text, markdown and HTML renderers.

Everything here reads a `PlanView`/`ChangeView` (the plan JSON), so a saved plan and a live
one are described with the same words.
"""

from __future__ import annotations

from typing import Any

from impops import redact
from impops.render.values import display, short_sha
from impops.render.view import ChangeView, PlanView

NO_CHANGES = "No changes. Live impCentral state matches the manifests."
TARGETING_WARNING = "Warning: Resource targeting is in effect"
_IMPLIED = frozenset({"product", "group", "name", "event"})  # already in the address
BIG_PLAN = 30  # plans with more changes also print their summary first
# Reasons that only repeat the heading ("will be created" because it is missing live).
OBVIOUS_REASONS = frozenset({"missing_in_live", "fields_changed"})

HEADINGS = {
    "create": "will be created",
    "update": "will be updated in place",
    "delete": "will be destroyed",
    "replace": "must be replaced",
}


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def plan_sentence(summary: dict[str, Any]) -> str:
    """Terraform's summary sentence, word for word."""
    return (
        f"Plan: {summary.get('add', 0)} to add, {summary.get('change', 0)} to change, "
        f"{summary.get('destroy', 0)} to destroy."
    )


def devices_sentence(summary: dict[str, Any]) -> str:
    groups = int(summary.get("device_groups_affected") or 0)
    restart = ", ".join(summary.get("restart") or []) or "none"
    devices = int(summary.get("devices_affected") or 0)
    return (
        f"Devices affected: {devices:,} in {plural(groups, 'device group')} (restart: {restart})."
    )


def heading(change: ChangeView) -> str:
    """`<address> will be created` (a new deployment says what it replaces)."""
    text = f"{change.address} {HEADINGS.get(change.action, change.action)}"
    if change.is_code and change.action == "create":
        text += " (new deployment" + (" replacing the current one)" if change.before else ")")
    return text


def reason_line(change: ChangeView) -> str:
    """Why the action happens, in words; empty when the heading already says it."""
    return "" if change.reason in OBVIOUS_REASONS else change.reason_text


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


def field_line(field: dict[str, Any], limit: int = 0) -> tuple[str, str]:
    """(symbol, text) for one plan-JSON field change; device sets as added/removed."""
    path = str(field.get("path", ""))
    before, after = field.get("before"), field.get("after")
    if path == "devices" and isinstance(before, list):
        added = sorted(set(after or ()) - set(before))
        removed = sorted(set(before) - set(after or ()))
        parts = [f"+{len(added)} -{len(removed)}"]
        if added:
            parts.append("added: " + ", ".join(added))
        if removed:
            parts.append("removed: " + ", ".join(removed))
        return "~", "devices: " + "; ".join(parts)
    if path.endswith("_sha256"):
        return "~", f"{path}: {short_sha(before)} -> {short_sha(after)}"
    secret = bool(field.get("sensitive"))
    old = redact.REDACTED if secret and before is not None else show(before, limit)
    new = redact.REDACTED if secret and after is not None else show(after, limit)
    if before is None:
        return "+", f"{path}: {new}"
    if after is None:
        return "-", f"{path}: {old}"
    return "~", f"{path}: {old} -> {new}"


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def created_attributes(change: ChangeView) -> list[tuple[str, str]]:
    """Every attribute of a new object (secrets masked), code by digest and line count.

    All of them, empty ones included as `(none)`: a reviewer judges a new production group by
    what it lacks (no targets, no region) as much as by what it has.
    """
    data = dict(change.after or {})
    lines: list[tuple[str, str]] = []
    for stem, (digest, count) in change.code_digests().items():
        data.pop(f"{stem}_sha256", None)
        data.pop(f"{stem}_lines", None)
        lines.append((stem, f"{short_sha(digest)} ({plural(count, 'line')})"))
    for key, value in sorted(data.items()):
        if key in _IMPLIED:
            continue
        if isinstance(value, dict) and value and set(value) != {"redacted"}:
            lines.extend((f"{key}.{k}", show(v)) for k, v in sorted(value.items()))
        else:
            lines.append((key, "(none)" if _empty(value) else show(value)))
    return lines


def attribute_lines(change: ChangeView) -> list[tuple[str, str]]:
    """(symbol, text) under a change: field changes, or a new object's attributes."""
    if change.fields:
        return [field_line(f) for f in change.fields]
    if change.action == "create":
        return [("+", f"{key}: {value}") for key, value in created_attributes(change)]
    return []


def short_change(change: ChangeView, limit: int = 160) -> str:
    """One-cell summary of a change, for tables."""
    if change.is_code and change.action == "create":
        old = change.code_digests("before")
        parts = [
            f"{stem} `{short_sha(old.get(stem, ('', 0))[0])}` → `{short_sha(new)}`"
            for stem, (new, _) in change.code_digests().items()
            if new != old.get(stem, ("", 0))[0]
        ]
        text = "new deployment: " + (", ".join(parts) or "same code")
    elif change.fields:
        text = "; ".join(
            line.replace(" -> ", " → ") for _, line in (field_line(f, 40) for f in change.fields)
        )
    elif change.action == "create":
        text = "new: " + (
            "; ".join(f"{k}: {v}" for k, v in created_attributes(change) if v != "(none)")
            or "no attributes"
        )
    else:
        text = "—"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def protection_note(view: PlanView, change: ChangeView) -> str:
    """`protected: <why>; ...` with the narrow way out, or empty for unprotected changes."""
    if not change.protected:
        return ""
    why = change.protected_reason or "a protected object"
    if change.allowed:
        return f"protected ({why}); allowed by --allow {change.address}"
    if view.forced:
        return f"protected ({why}); overridden by --force"
    return f"protected ({why}); permit it with --allow {change.address}"


def shown_checks(view: PlanView) -> tuple[list[dict[str, Any]], int]:
    """Safety checks that bite or count something, and how many others passed quietly."""
    shown = [c for c in view.checks if not c.get("passed") or c.get("count")]
    return shown, len(view.checks) - len(shown)


def quiet_line(view: PlanView, quiet: int) -> str:
    """The folded checks in one line, naming the scopes they covered."""
    scopes = sorted({str(c.get("product")) for c in view.checks if c.get("product")})
    where = f" ({', '.join(scopes)})" if scopes else ""
    return f"{quiet} other check{'s' if quiet != 1 else ''} passed (nothing counted){where}"


def unmanaged_lines(view: PlanView) -> list[str]:
    """Pruning-off objects are listed; undeclared children are only counted."""
    kept = [u for u in view.unmanaged if u.get("reason") == "pruning_off"]
    # Reasons that name what to do (an undeclared product or group, a leftover of a
    # replacement) are listed one by one; undeclared children are only counted.
    named = [u for u in view.unmanaged if u.get("reason") not in ("pruning_off", "not_declared")]
    other = len(view.unmanaged) - len(kept) - len(named)
    lines = [f"{u.get('address')}: {u.get('reason_text') or u.get('reason')}" for u in named]
    if kept:
        why = kept[0].get("reason_text") or "pruning is off"
        lines.append(
            f"{plural(len(kept), 'object')} in impCentral but not in the manifests "
            f"({why}; use --prune to delete):"
        )
        lines.extend(f"  {u.get('address')}" for u in kept)
    if other:
        lines.append(
            f"{other} deployment/device set{'s' if other != 1 else ''} of declared groups "
            "not managed by the manifests (left alone)."
        )
    return lines


def filters(view: PlanView) -> str:
    return " ".join(
        [f"--target {t}" for t in view.targets] + [f"--exclude {e}" for e in view.excludes]
    )


def targeting_lines(view: PlanView) -> list[str]:
    if not view.targeting_in_effect:
        return []
    return [
        TARGETING_WARNING,
        f"  The plan covers only objects matching {filters(view)};",
        "  it may be incomplete. Do not rely on it as a full picture of the manifests.",
    ]


def apply_command(view: PlanView, plan_file: str | None) -> str:
    """The exact command that applies this reviewed plan, from the repository root."""
    root = view.manifest_root or "."
    parts = ["impops", "apply", root, "--plan", plan_file or "plan.json"]
    if view.forced:
        parts.append("--force")
    return " ".join(parts)
