"""Render a `DriftReport` as text (terminals, CI logs), Markdown (issues) or JSON (machines).

Secrets: a field marked sensitive shows its fingerprint, and every rendered string passes
through `redact.scrub` as a second line of defence.
"""

from __future__ import annotations

import json
from typing import Any

from impops import redact
from impops.engine.drift import DriftItem, DriftReport

DRIFT_FORMAT_VERSION = 1
HEADLINE = "Note: Objects have changed outside of impops"
NO_DRIFT = "No drift. Live impCentral state matches the manifests."


def _value(value: Any, sensitive: bool) -> str:
    if sensitive and value is not None:
        return redact.fingerprint(value)
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _who(item: DriftItem) -> list[str]:
    d = item.deployment
    if d is None:
        return []
    by = "by impops" if d.made_by_impops else "outside impops"
    lines = [
        f"live current deployment {d.id}, created {d.created_at or '(time unknown)'}"
        f" {by}, creator account {d.creator_id or 'unknown'}",
        f"origin: {d.origin or '(none)'}; tags: {', '.join(d.tags) or '(none)'}",
    ]
    if item.code_differs:
        lines.append("its agent/device code differs from the manifests")
    return lines


def _counts(report: DriftReport) -> str:
    n = len(report.items)
    outside = sum(1 for i in report.items if i.outside_impops)
    text = f"{n} difference{'s' if n != 1 else ''} between the manifests and live impCentral"
    if outside:
        text += f"; {outside} deployment{'s' if outside != 1 else ''} made outside impops"
    return text + "."


def render_drift_text(report: DriftReport) -> str:
    if not report.has_drift:
        return NO_DRIFT + "\n"
    lines = [HEADLINE, "", _counts(report), ""]
    for item in report.items:
        lines.append(f"{item.symbol} {item.address}: {item.meaning}")
        for f in item.fields:
            lines.append(
                f"    {f.path}: {_value(f.after, f.sensitive)} (manifests)"
                f" vs {_value(f.before, f.sensitive)} (live)"
            )
        lines.extend(f"    {line}" for line in _who(item))
    lines += ["", "Run `impops plan` to see what apply would change back."]
    return redact.scrub("\n".join(lines) + "\n")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_drift_markdown(report: DriftReport) -> str:
    title = "## impops drift"
    if not report.has_drift:
        return f"{title} ✅\n\n{NO_DRIFT}\n"
    lines = [f"{title} ⚠️", "", f"> **{HEADLINE}.** {_counts(report)}", ""]
    lines += ["| Action | Address | Difference | Live deployment |", "|---|---|---|---|"]
    for item in report.items:
        diffs = (
            "; ".join(
                f"`{f.path}`: {_value(f.before, f.sensitive)} → {_value(f.after, f.sensitive)}"
                for f in item.fields
            )
            or item.meaning
        )
        who = "<br>".join(_who(item)) or "—"
        lines.append(f"| `{item.symbol}` | `{item.address}` | {_md(diffs)} | {_md(who)} |")
    return redact.scrub("\n".join(lines) + "\n")


def render_drift_json(report: DriftReport) -> str:
    data: dict[str, Any] = {
        "format_version": DRIFT_FORMAT_VERSION,
        "drift": report.has_drift,
        "endpoint": report.endpoint,
        "products": list(report.products),
        "items": [item.as_json() for item in report.items],
    }
    for item in data["items"]:
        for f in item["fields"]:
            if f["sensitive"]:
                for side in ("before", "after"):
                    if f[side] is not None:
                        f[side] = redact.fingerprint(f[side])
    return redact.scrub(json.dumps(data, indent=2, sort_keys=True, default=str)) + "\n"


RENDERERS = {
    "text": render_drift_text,
    "markdown": render_drift_markdown,
    "json": render_drift_json,
}
