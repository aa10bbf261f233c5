"""Terminal rendering of a plan, in Terraform's look: legend, one block per object, summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from impops import redact
from impops.render.common import (
    BIG_PLAN,
    NO_CHANGES,
    apply_command,
    attribute_lines,
    devices_sentence,
    heading,
    plan_sentence,
    protection_note,
    quiet_line,
    reason_line,
    shown_checks,
    targeting_lines,
    unmanaged_lines,
)
from impops.render.view import ChangeView, PlanView, view_of_plan

if TYPE_CHECKING:
    from impops.engine.plan import Plan

LEGEND = [
    "Resource actions are indicated with the following symbols:",
    "  + create",
    "  ~ update in place",
    "  - destroy",
    "-/+ destroy and then create replacement",
]
_COLORS = {"+": "32", "~": "33", "-": "31", "-/+": "35", "bold": "1", "ok": "32", "bad": "31"}


class _Out:
    """Line collector with optional ANSI colour."""

    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def paint(self, text: str, style: str) -> str:
        if not self.color or style not in _COLORS:
            return text
        return f"\x1b[{_COLORS[style]}m{text}\x1b[0m"

    def add(self, text: str = "", style: str = "") -> None:
        self.lines.append(self.paint(text, style) if style else text)


def _diff_lines(out: _Out, view: PlanView, change: ChangeView, max_diff_lines: int) -> None:
    """Each code diff once: under the first change it reaches, listing the others there."""
    for cd in change.diffs:
        group = view.group_of(change, cd.file)
        others = [a for a in group.addresses if a != change.address] if group else []
        out.add()
        if group and group.addresses[0] != change.address:
            out.add(f"      {cd.file}: the same change as under {group.addresses[0]} (shown once)")
            continue
        if others:
            out.add(f"      {cd.file}: this change also reaches {', '.join(others)}")
        for line in cd.folded(max_diff_lines):
            style = ""
            if line.startswith(("+++", "---")):
                style = "bold"
            elif line.startswith("+"):
                style = "+"
            elif line.startswith("-"):
                style = "-"
            out.add(f"      {line}", style)


def _change_block(out: _Out, view: PlanView, change: ChangeView, max_diff_lines: int) -> None:
    sym = change.symbol
    out.add(f"  # {heading(change)}", "bold")
    why = reason_line(change)
    if why:
        out.add(f"  # ({why})")
    note = protection_note(view, change)
    if note:
        out.add(f"  # {note}", "~")
    if change.impossible:
        out.add(f"  # cannot be applied: {change.impossible}", "bad")
    if change.note:
        out.add(f"  # {change.note}")
    flags = []
    if change.devices_affected:
        n = change.devices_affected
        flags.append(f"{n:,} device{'s' if n != 1 else ''} affected")
    suffix = f"  [{'; '.join(flags)}]" if flags else ""
    out.add(f"{out.paint(f'{sym:>3}', sym)} {change.address}{suffix}")
    for field_sym, text in attribute_lines(change):
        out.add(f"      {out.paint(field_sym, field_sym)} {text}")
    _diff_lines(out, view, change, max_diff_lines)
    out.add()


def _safety(out: _Out, view: PlanView) -> None:
    shown, quiet = shown_checks(view)
    out.add("Safety checks:", "bold")
    for check in shown:
        passed = bool(check.get("passed"))
        mark = out.paint("ok  ", "ok") if passed else out.paint("FAIL", "bad")
        where = f"[{check.get('product')}] " if passed else ""
        out.add(f"  {mark} {where}{check.get('detail')}")
        if check.get("override") and not passed:
            out.add(f"       override: {check['override']}")
    if quiet:
        out.add(f"  ok   {quiet_line(view, quiet)}")
    for address in view.unused_allow:
        out.add(f"  note --allow {address} matched no protected change", "~")
    if view.blocked:
        out.add()
        out.add(
            "Error: the plan is blocked by a safety rule; nothing may be applied. "
            "Use the override named above (narrowest first) or --force.",
            "bad",
        )
    elif view.forced:
        note = "the failures above were overridden" if view.violations else "nothing to override"
        out.add(f"  (made with --force: {note})")


def render_view_text(
    view: PlanView, *, color: bool = False, max_diff_lines: int = 400, plan_file: str | None = None
) -> str:
    """Render a plan view for a terminal or a CI log; ANSI colour only when `color`."""
    out = _Out(color)
    if view.saved:
        out.add(
            f"Saved plan {view.checksum} ({view.data.get('timestamp', 'time unknown')})", "bold"
        )
        if view.forced:
            out.add("This plan was made with --force: safety rules were overridden.", "bad")
        out.add()
    if not view.has_changes:
        out.add(NO_CHANGES, "bold")
    else:
        for line in LEGEND:
            out.add(line)
        out.add()
        if len(view.changes) > BIG_PLAN:
            out.add(plan_sentence(view.summary), "bold")
            out.add(devices_sentence(view.summary))
            out.add()
        out.add("impops will perform the following actions:")
        out.add()
        for change in view.review_order:
            _change_block(out, view, change, max_diff_lines)
        out.add(plan_sentence(view.summary), "bold")
        out.add(devices_sentence(view.summary))
    out.add()
    _safety(out, view)
    extra = unmanaged_lines(view)
    if extra:
        out.add()
        for line in extra:
            out.add(line)
    warning = targeting_lines(view)
    if warning:
        out.add()
        out.add(warning[0], "~")
        for line in warning[1:]:
            out.add(line)
    if plan_file and view.has_changes and not view.blocked:
        out.add()
        out.add(f"To apply exactly this plan: {apply_command(view, plan_file)}")
    return redact.scrub("\n".join(out.lines).rstrip() + "\n")


def render_text(plan: Plan, *, color: bool = False, max_diff_lines: int = 400) -> str:
    """Render a live `plan` (the same view a saved plan gets, plus code diffs)."""
    return render_view_text(view_of_plan(plan), color=color, max_diff_lines=max_diff_lines)
