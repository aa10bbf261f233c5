"""Pick the renderer for a `--format`: every plan format reads the same `PlanView`."""

from __future__ import annotations

import json
from typing import Any

from impops.render.view import PlanView

PLAN_FORMATS = ("text", "markdown", "json", "html")


def render_view(view: PlanView, fmt: str, *, color: bool = False, **options: Any) -> str:
    """`text` (ANSI colour when `color`), `markdown` (max_chars, ci_url, artifact_url),
    `json` (the plan JSON itself), `html`; `plan_file` names the saved plan in apply hints."""
    plan_file = options.get("plan_file")
    if fmt == "markdown":
        from impops.render.markdown import render_view_markdown

        return render_view_markdown(view, **options)
    if fmt == "json":
        return json.dumps(view.data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "html":
        from impops.render.html import render_view_html

        return render_view_html(view, plan_file=plan_file)
    from impops.render.text import render_view_text

    return render_view_text(view, color=color, plan_file=plan_file)
