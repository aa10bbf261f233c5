"""Render a `DriftReport` as text (terminals, CI logs), Markdown (issues) or JSON (machines).

Secrets: a field marked sensitive shows its fingerprint, and every rendered string passes
through `redact.scrub` as a second line of defence.
"""

from __future__ import annotations

import json
from typing import Any

from impops import redact
from impops.engine.baseline import BaselineResult
from impops.engine.drift import DriftItem, DriftReport

DRIFT_FORMAT_VERSION = 1
HEADLINE = "Note: Objects have changed outside of impops"
NO_DRIFT = "No drift. Live impCentral state matches the manifests."
DIRECTION = "live value → manifest value, as `impops plan` shows what apply would change back"


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


def _ack_lines(baseline: BaselineResult | None) -> list[str]:
    """Acknowledged items, each with its reason and expiry, for every format."""
    if baseline is None:
        return []
    lines = []
    for a in baseline.acknowledged:
        until = f" (until {a.by.expires.isoformat()})" if a.by.expires else ""
        lines.append(f"{a.item.address}: {a.by.why}{until}")
    return lines


def _expired(baseline: BaselineResult | None, item: DriftItem) -> str:
    ack = baseline.expired_for(item.address) if baseline else None
    if ack is None or ack.expires is None:
        return ""
    return f"acknowledgement expired on {ack.expires.isoformat()} ({ack.why})"


def _field_text(path: str, before: Any, after: Any, sensitive: bool) -> str:
    return f"{path}: {_value(before, sensitive)} → {_value(after, sensitive)}"


def render_drift_text(report: DriftReport, baseline: BaselineResult | None = None) -> str:
    acked = _ack_lines(baseline)
    if not report.has_drift:
        lines = [NO_DRIFT]
        if acked:
            lines += ["", f"Acknowledged drift ({len(acked)}, in the baseline):"]
            lines += [f"  {line}" for line in acked]
        return redact.scrub("\n".join(lines) + "\n")
    lines = [HEADLINE, "", _counts(report), f"Differences read {DIRECTION}.", ""]
    for item in report.items:
        lines.append(f"{item.symbol} {item.address}: {item.meaning}")
        for f in item.fields:
            lines.append(f"    {_field_text(f.path, f.before, f.after, f.sensitive)}")
        lines.extend(f"    {line}" for line in _who(item))
        expired = _expired(baseline, item)
        if expired:
            lines.append(f"    {expired}")
    if acked:
        lines += ["", f"Acknowledged drift ({len(acked)}, in the baseline; not counted):"]
        lines += [f"  {line}" for line in acked]
    lines += ["", "Run `impops plan` to see what apply would change back."]
    return redact.scrub("\n".join(lines) + "\n")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_drift_markdown(report: DriftReport, baseline: BaselineResult | None = None) -> str:
    title = "## impops drift"
    acked = _ack_lines(baseline)
    tail = []
    if acked:
        tail = [f"<details><summary>Acknowledged drift ({len(acked)})</summary>", ""]
        tail += [f"- `{line.split(': ', 1)[0]}`: {line.split(': ', 1)[1]}" for line in acked]
        tail += ["", "</details>"]
    if not report.has_drift:
        return redact.scrub("\n".join([f"{title} ✅", "", NO_DRIFT, "", *tail]).rstrip() + "\n")
    lines = [f"{title} ⚠️", "", f"> **{HEADLINE}.** {_counts(report)} ({DIRECTION}.)", ""]
    lines += ["| Action | Address | Difference | Live deployment |", "|---|---|---|---|"]
    for item in report.items:
        diffs = (
            "; ".join(
                f"`{f.path}`: {_value(f.before, f.sensitive)} → {_value(f.after, f.sensitive)}"
                for f in item.fields
            )
            or item.meaning
        )
        who = "<br>".join(n for n in [*_who(item), _expired(baseline, item)] if n) or "—"
        lines.append(f"| `{item.symbol}` | `{item.address}` | {_md(diffs)} | {_md(who)} |")
    if tail:
        lines += ["", *tail]
    return redact.scrub("\n".join(lines) + "\n")


def render_drift_json(report: DriftReport, baseline: BaselineResult | None = None) -> str:
    data: dict[str, Any] = {
        "format_version": DRIFT_FORMAT_VERSION,
        "drift": report.has_drift,
        "endpoint": report.endpoint,
        "products": list(report.products),
        "direction": "before is live, after is the manifests",
        "items": [item.as_json() for item in report.items],
        "acknowledged": [a.to_dict() for a in baseline.acknowledged] if baseline else [],
        "expired_acknowledgements": [a.to_dict() for a in baseline.expired] if baseline else [],
    }
    for item in [*data["items"], *(a["item"] for a in data["acknowledged"])]:
        for f in item["fields"]:
            if f["sensitive"]:
                for side in ("before", "after"):
                    if f[side] is not None:
                        f[side] = redact.fingerprint(f[side])
    return redact.scrub(json.dumps(data, indent=2, sort_keys=True, default=str)) + "\n"


def render_drift_html(report: DriftReport, baseline: BaselineResult | None = None) -> str:
    from impops.render.html import e, page

    body = ["<h1>impops drift</h1>", '<section class="summary" id="summary">']
    body.append(f"<p><strong>{e(_counts(report) if report.has_drift else NO_DRIFT)}</strong></p>")
    body += [f"<p>Differences read {e(DIRECTION)}.</p>", "</section>"]
    if report.has_drift:
        body.append("<table><tr><th>Action</th><th>Address</th><th>Difference</th></tr>")
        for item in report.items:
            diffs = [_field_text(f.path, f.before, f.after, f.sensitive) for f in item.fields]
            notes = [*diffs, *_who(item), _expired(baseline, item)]
            cell = "<br>".join(e(n) for n in notes if n) or e(item.meaning)
            body.append(
                f"<tr><td><code>{e(item.symbol)}</code></td><td><code>{e(item.address)}"
                f"</code></td><td>{cell}</td></tr>"
            )
        body.append("</table>")
    acked = _ack_lines(baseline)
    if acked:
        body += [f"<h2>Acknowledged drift ({len(acked)})</h2>", "<ul>"]
        body += [f"<li>{e(line)}</li>" for line in acked]
        body.append("</ul>")
    return page("impops drift", body)


RENDERERS = {
    "text": render_drift_text,
    "markdown": render_drift_markdown,
    "json": render_drift_json,
    "html": render_drift_html,
}
