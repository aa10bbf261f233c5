"""Terminal rendering of a plan, in Terraform's look: legend, one block per object, summary."""

from __future__ import annotations

from typing import TYPE_CHECKING

from impops import redact
from impops.engine.change import Action, Change
from impops.render.codediff import code_diffs
from impops.render.common import (
    BIG_PLAN,
    NO_CHANGES,
    attribute_lines,
    devices_sentence,
    heading,
    plan_sentence,
    reason_text,
    targeting_lines,
    unmanaged_lines,
)

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


def _symbol(action: Action) -> str:
    return action.symbol


def _change_block(out: _Out, change: Change, max_diff_lines: int) -> None:
    sym = _symbol(change.action)
    out.add(f"  # {heading(change)}", "bold")
    out.add(f"  # ({reason_text(change)})")
    if change.note:
        out.add(f"  # {change.note}")
    flags = []
    if change.protected:
        flags.append("protected: needs --force")
    if change.devices_affected:
        count = change.devices_affected
        flags.append(f"{count:,} device{'s' if count != 1 else ''} affected")
    suffix = f"  [{'; '.join(flags)}]" if flags else ""
    out.add(f"{out.paint(f'{sym:>3}', sym)} {change.address}{suffix}")
    for field_sym, text in attribute_lines(change):
        out.add(f"      {out.paint(field_sym, field_sym)} {text}")
    for cd in code_diffs(change):
        out.add()
        for line in cd.folded(max_diff_lines):
            style = ""
            if line.startswith(("+++", "---")):
                style = "bold"
            elif line.startswith("+"):
                style = "+"
            elif line.startswith("-"):
                style = "-"
            out.add(f"      {line}", style)
    out.add()


def _safety(out: _Out, plan: Plan) -> None:
    report = plan.safety
    shown = [c for c in report.checks if not c.passed or c.count]
    quiet = len(report.checks) - len(shown)
    out.add("Safety checks:", "bold")
    for check in shown:
        mark = out.paint("ok  ", "ok") if check.passed else out.paint("FAIL", "bad")
        where = f"[{check.product}] " if check.passed else ""
        out.add(f"  {mark} {where}{check.detail}")
        if check.override:
            out.add(f"       override: {check.override}")
    if quiet:
        out.add(f"  ok   {quiet} other checks passed (nothing to count)")
    if report.blocked:
        out.add()
        out.add(
            "Error: the plan is blocked by a safety rule; nothing may be applied. "
            "Use the override named above (narrowest first) or --force.",
            "bad",
        )
    elif report.violations:
        out.add("  (safety rules overridden with --force)")


def render_text(plan: Plan, *, color: bool = False, max_diff_lines: int = 400) -> str:
    """Render `plan` for a terminal or a CI log; ANSI colour only when `color`."""
    out = _Out(color)
    if not plan.has_changes:
        out.add(NO_CHANGES, "bold")
    else:
        for line in LEGEND:
            out.add(line)
        out.add()
        if len(plan.changes) > BIG_PLAN:
            out.add(plan_sentence(plan.summary), "bold")
            out.add(devices_sentence(plan.summary))
            out.add()
        out.add("impops will perform the following actions:")
        out.add()
        destroys = [c for c in plan.changes if c.action is Action.DELETE]
        others = [c for c in plan.changes if c.action is not Action.DELETE]
        for change in destroys + others:
            _change_block(out, change, max_diff_lines)
        out.add(plan_sentence(plan.summary), "bold")
        out.add(devices_sentence(plan.summary))
    out.add()
    _safety(out, plan)
    extra = unmanaged_lines(plan)
    if extra:
        out.add()
        for line in extra:
            out.add(line)
    warning = targeting_lines(plan)
    if warning:
        out.add()
        out.add(warning[0], "~")
        for line in warning[1:]:
            out.add(line)
    return redact.scrub("\n".join(out.lines).rstrip() + "\n")
