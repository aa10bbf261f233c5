"""A plan as one self-contained HTML page (CI artifact): summary, change table, side-by-side
code diffs. No external assets (no scripts, fonts or stylesheets fetched), so the page opens
offline and from an artifact store; everything is escaped and passed through `redact.scrub`.
"""

from __future__ import annotations

import html
from itertools import zip_longest

from impops import __version__, redact
from impops.render.codediff import CodeDiff
from impops.render.common import (
    NO_CHANGES,
    apply_command,
    attribute_lines,
    devices_sentence,
    filters,
    heading,
    plan_sentence,
    protection_note,
    quiet_line,
    reason_line,
    short_change,
    shown_checks,
    unmanaged_lines,
)
from impops.render.identity import plan_key
from impops.render.view import PlanView

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328;background:#fff}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}code,pre{font:12px/1.4 ui-monospace,monospace}
.summary{background:#eef6ff;border-left:6px solid #0969da;padding:.6em 1em}
.blocked{background:#ffebe9;border-left-color:#cf222e}
.forced{background:#fff8c5;border-left-color:#9a6700}
.sym-create{color:#1a7f37}.sym-update{color:#9a6700}.sym-delete,.sym-replace{color:#cf222e}
.diff td{font:12px/1.35 ui-monospace,monospace;white-space:pre-wrap;border:none;width:50%}
.diff .del{background:#ffebe9}.diff .add{background:#dafbe1}.diff .hunk{background:#ddf4ff}
"""


def e(text: object) -> str:
    return html.escape(str(text), quote=True)


def page(title: str, body: list[str]) -> str:
    """The whole document: inline style only."""
    doc = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body>",
        *body,
        f"<footer><p><small>impops {e(__version__)}</small></p></footer>",
        "</body></html>",
    ]
    return redact.scrub("\n".join(doc) + "\n")


def side_by_side(cd: CodeDiff) -> list[str]:
    """A unified diff laid out as two columns: live on the left, manifests on the right."""
    rows = ['<table class="diff">', f"<tr><th>live {e(cd.before_sha[:7])}</th>"
            f"<th>manifests {e(cd.after_sha[:7])}</th></tr>"]  # fmt: skip
    left: list[str] = []
    right: list[str] = []

    def flush() -> None:
        for old, new in zip_longest(left, right):
            lcls = ' class="del"' if old is not None else ""
            rcls = ' class="add"' if new is not None else ""
            rows.append(f"<tr><td{lcls}>{e(old or '')}</td><td{rcls}>{e(new or '')}</td></tr>")
        left.clear()
        right.clear()

    for line in cd.folded(400)[2:]:
        if line.startswith("-"):
            left.append(line[1:])
        elif line.startswith("+"):
            right.append(line[1:])
        else:
            flush()
            if line.startswith("@@"):
                rows.append(f'<tr><td class="hunk" colspan="2">{e(line)}</td></tr>')
            else:
                text = e(line[1:])
                rows.append(f"<tr><td>{text}</td><td>{text}</td></tr>")
    flush()
    return [*rows, "</table>"]


def _summary(view: PlanView, plan_file: str | None) -> list[str]:
    cls = "summary blocked" if view.blocked else "summary forced" if view.forced else "summary"
    lines = [f'<section class="{cls}" id="summary">']
    if not view.has_changes:
        lines.append(f"<p><strong>{e(NO_CHANGES)}</strong></p>")
    else:
        lines.append(f"<p><strong>{e(plan_sentence(view.summary))}</strong></p>")
        lines.append(f"<p>{e(devices_sentence(view.summary))}</p>")
    if view.blocked:
        lines.append("<p><strong>Blocked by a safety rule: nothing may be applied.</strong></p>")
    if view.forced:
        lines.append("<p><strong>Made with --force</strong>: safety rules overridden.</p>")
    if view.targeting_in_effect:
        lines.append(f"<p>Resource targeting is in effect ({e(filters(view))}).</p>")
    meta = f"plan {view.checksum}"
    if view.git_sha:
        meta += f" · base {view.git_sha[:7]}"
    lines.append(f"<p><small>{e(meta)} · {e(view.data.get('timestamp', ''))}</small></p>")
    if view.has_changes and not view.blocked:
        lines.append(f"<p>To apply: <code>{e(apply_command(view, plan_file))}</code></p>")
    return [*lines, "</section>"]


def _table(view: PlanView) -> list[str]:
    rows = ["<h2>Changes</h2>", "<table><tr><th>Action</th><th>Address</th><th>Change</th></tr>"]
    for c in view.review_order:
        note = protection_note(view, c)
        what = e(short_change(c, 400)) + (f"<br><em>{e(note)}</em>" if note else "")
        rows.append(
            f'<tr><td class="sym-{e(c.action)}"><code>{e(c.symbol)}</code></td>'
            f"<td><code>{e(c.address)}</code></td><td>{what}</td></tr>"
        )
    return [*rows, "</table>"]


def _details(view: PlanView) -> list[str]:
    lines = ["<h2>Details</h2>"]
    for c in view.review_order:
        lines.append(f"<h3><code>{e(c.symbol)}</code> {e(heading(c))}</h3>")
        why = reason_line(c)
        if why:
            lines.append(f"<p>{e(why)}</p>")
        attrs = attribute_lines(c)
        if attrs:
            lines.append("<pre>" + "\n".join(e(f"{s} {t}") for s, t in attrs) + "</pre>")
    return lines


def _code(view: PlanView) -> list[str]:
    if not view.code_groups:
        return []
    lines = ["<h2>Code diffs</h2>"]
    for group in view.code_groups:
        cd = group.diff
        lines.append(f"<h3>{e(cd.file)} (+{cd.added} −{cd.removed})</h3>")
        lines.append(f"<p>Reaches: {e(', '.join(group.addresses))}</p>")
        lines.extend(side_by_side(cd))
    return lines


def _safety(view: PlanView) -> list[str]:
    shown, quiet = shown_checks(view)
    lines = ["<h2>Safety checks</h2>", "<ul>"]
    for c in shown:
        mark = "ok" if c.get("passed") else "FAIL"
        override = f" — override: {c['override']}" if c.get("override") else ""
        lines.append(f"<li>{mark} [{e(c.get('product'))}] {e(c.get('detail'))}{e(override)}</li>")
    if quiet:
        lines.append(f"<li>ok: {e(quiet_line(view, quiet))}</li>")
    return [*lines, "</ul>"]


def render_view_html(view: PlanView, *, plan_file: str | None = None) -> str:
    """The plan page (live or saved: a saved plan has no code bodies, so no diffs)."""
    key = plan_key(view.manifest_root, view.targets)
    body = [f"<h1>impops plan — {e(key)}</h1>", *_summary(view, plan_file)]
    if view.has_changes:
        body += [*_table(view), *_code(view), *_details(view)]
        if view.saved:
            body.append("<p><em>Saved plan: code is shown by digest (plan files hold no code)."
                        "</em></p>")  # fmt: skip
    body += _safety(view)
    extra = unmanaged_lines(view)
    if extra:
        body += ["<h2>Left alone</h2>", "<pre>" + e("\n".join(extra)) + "</pre>"]
    return page(f"impops plan — {key}", body)
