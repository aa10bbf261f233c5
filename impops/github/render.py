"""Markdown for the sticky comment and the drift issue, from the saved JSON files.

The plan comment is a thin call to `impops.render.markdown.render_view_markdown` over the
saved plan's `PlanView`, the very renderer `impops plan --format markdown` and `impops show`
use, so the comment, the job summary and `show` read alike (same tiers, same order: destroys
and blocked changes first). Drift is rendered from `impops drift --format json`, with the
acknowledged items (a baseline) listed apart. Everything passes through `redact.scrub`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from impops import __version__, redact
from impops.engine.plan import SavedPlan
from impops.errors import ConfigError
from impops.render.common import field_line
from impops.render.identity import plan_key
from impops.render.markdown import DEFAULT_MAX_CHARS, render_view_markdown
from impops.render.view import SYMBOLS, PlanView, view_of_saved

__all__ = ["DEFAULT_MAX_CHARS", "PlanDocument", "plan_key", "render_saved_plan"]


def _cell(text: str, limit: int = 160) -> str:
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PlanDocument:
    """The saved plan (loaded and checksum-verified) and its view."""

    def __init__(self, saved: SavedPlan) -> None:
        self.saved = saved
        self.view: PlanView = view_of_saved(saved)
        self.checksum = saved.checksum
        self.manifest_root = saved.source.manifest_root
        self.targets = self.view.targets
        self.excludes = self.view.excludes

    @staticmethod
    def load(path: str | Path) -> PlanDocument:
        return PlanDocument(SavedPlan.load(path))


def render_saved_plan(
    doc: PlanDocument,
    key: str,
    *,
    max_chars: int = DEFAULT_MAX_CHARS,
    run_url: str | None = None,
    artifact_url: str | None = None,
) -> str:
    """The comment body (without marker), degraded tier by tier to fit `max_chars`."""
    return render_view_markdown(
        doc.view,
        max_chars=max_chars,
        ci_url=run_url,
        artifact_url=artifact_url,
        key=key,
        with_marker=False,
    )


def _field_text(field: dict[str, Any]) -> str:
    return field_line(field, 60)[1].replace(" -> ", " → ")


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
    symbol = SYMBOLS.get(str(item.get("action")), "!")
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
