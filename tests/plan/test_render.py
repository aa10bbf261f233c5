"""Renderers: golden files, secret redaction in all three formats, markdown tiers, colour.

Golden files live in tests/golden/. They are regenerated ONLY on purpose:

    IMPOPS_REGEN_GOLDEN=1 python -m pytest tests/plan/test_render.py

then review the diff of tests/golden/ like any other change.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from planfleet import (
    NEW_API_KEY,
    PRODUCT,
    SECRET_API_KEY,
    SECRET_TOKEN,
    deployment,
    fleet,
    put,
    representative,
)

from impops import redact
from impops.engine.plan import Plan, PlanOptions, PlanSource, build_plan
from impops.providers.impcentral.diff import plan_input
from impops.render.json import render_json
from impops.render.markdown import TIER_NOTES, render_markdown
from impops.render.text import render_text

GOLDEN = Path(__file__).parent.parent / "golden"
SOURCE = PlanSource("examples/manifests", git_sha="a1b2c3d4e5f6", endpoint="http://127.0.0.1/v5")
TIMESTAMP = "2026-11-01T12:00:00Z"
# Read at import: the root conftest strips IMPOPS_* variables before each test runs.
REGEN = os.environ.get("IMPOPS_REGEN_GOLDEN") == "1"
SECRETS = (SECRET_API_KEY, NEW_API_KEY, SECRET_TOKEN)
RENDERERS: dict[str, Callable[[Plan], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


def rep_plan(**options: object) -> Plan:
    f = representative()
    p = build_plan([plan_input(f.desired, f.live)], PlanOptions(prune=True, **options), SOURCE)  # type: ignore[arg-type]
    return dataclasses.replace(p, created_at=TIMESTAMP)


@pytest.mark.parametrize(("fmt", "suffix"), [("text", "txt"), ("markdown", "md"), ("json", "json")])
def test_golden(fmt: str, suffix: str) -> None:
    rendered = RENDERERS[fmt](rep_plan(force=True))
    path = GOLDEN / f"plan.{suffix}"
    if REGEN:
        path.write_text(rendered, encoding="utf-8")
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{path} differs; if intended, regenerate with IMPOPS_REGEN_GOLDEN=1"
    )


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("registered", [False, True])
def test_secrets_never_appear(fmt: str, registered: bool) -> None:
    if registered:  # with the textual layer too (as the CLI runs)
        for secret in SECRETS:
            redact.register(secret)
    out = RENDERERS[fmt](rep_plan())
    for secret in SECRETS:
        assert secret not in out
    if fmt != "json":
        assert redact.REDACTED in out
    else:
        assert "hmac-sha256:" in out


def test_secret_in_a_deleted_live_object_is_scrubbed_when_registered() -> None:
    f = fleet()
    f.desired.resources.pop(
        f"webhook/{PRODUCT}/production/deployment/"
        + next(
            a.split("/deployment/")[1]
            for a in f.desired.resources
            if a.startswith("webhook/") and "/production/" in a
        )
    )
    redact.register(SECRET_TOKEN)
    p = build_plan([plan_input(f.desired, f.live)], PlanOptions(prune=True), SOURCE)
    assert SECRET_TOKEN not in render_text(p)
    assert SECRET_TOKEN not in render_markdown(p)


def test_text_wording() -> None:
    out = render_text(rep_plan())
    assert (
        "  + create\n  ~ update in place\n  - destroy\n-/+ destroy and then create replacement"
        in out
    )
    assert "Plan: 4 to add, 4 to change, 2 to destroy.\n" in out
    assert "Devices affected: 7 in 2 device groups (restart: conditional, none).\n" in out
    assert "  # deployment/weather-station/production will be created" in out
    assert "--- agent.nut (live ff7686d)" in out
    assert "+++ agent.nut (manifest" in out
    assert "~ env_vars.API_KEY: (sensitive value) -> (sensitive value)" in out
    assert out.index("will be destroyed") < out.index("will be created")  # destroys first
    assert (
        "FAIL [weather-station] deployment/weather-station/production is protected: "
        "it raises min_supported on production group 'production'" in out
    )
    assert "override: --allow deployment/weather-station/production (this change only)" in out
    assert "Error: the plan is blocked by a safety rule" in out
    assert "\x1b[" not in out
    assert "\x1b[32m" in render_text(rep_plan(), color=True)


def test_no_changes_text_and_markdown() -> None:
    f = fleet()
    p = build_plan([plan_input(f.desired, f.live)], PlanOptions(), SOURCE)
    assert render_text(p).startswith("No changes. Live impCentral state matches the manifests.\n")
    md = render_markdown(p)
    assert "✅ No changes" in md
    assert "No changes. Live impCentral state" in md


def test_targeting_warning_in_every_human_format() -> None:
    p = rep_plan(targets=("deployment/*",))
    assert "Warning: Resource targeting is in effect" in render_text(p)
    assert "Resource targeting is in effect" in render_markdown(p)


def test_markdown_layout() -> None:
    md = render_markdown(rep_plan(), ci_url="https://ci.example.com/run/7")
    assert md.startswith("<!-- impops:plan:examples/manifests -->\n## impops plan — ")
    assert "⛔ Blocked by safety rules" in md
    assert "⚠️ 2 to destroy" in md
    assert "[CI run](https://ci.example.com/run/7)" in md
    assert "base `a1b2c3d`" in md
    assert "> [!WARNING]" in md
    assert "> **2 destroys**" in md
    assert "| Action | Address | Change |\n" in md  # no reason-code column
    assert "missing_in_live" not in md
    assert (
        "<details><summary>Code diff: agent.nut (+2 −1) for deployment/weather-station/production"
        in md
    )
    assert "**To apply**" not in md  # blocked plans are not applyable


def _big_plan() -> Plan:
    f = fleet()
    body = "".join(f"local v{i} = {i};\n" for i in range(3000))
    put(f.desired, deployment("production", side="desired", agent_code=body))
    put(f.desired, deployment("development", side="desired", device_code=body))
    p = build_plan([plan_input(f.desired, f.live)], PlanOptions(), SOURCE)
    return dataclasses.replace(p, created_at=TIMESTAMP)


def test_markdown_size_tiers() -> None:
    p = _big_plan()
    full = render_markdown(p, max_chars=10**7)
    assert "```diff" in full
    assert not any(note in full for note in TIER_NOTES.values())
    tier2 = render_markdown(p, max_chars=8000)
    assert TIER_NOTES[2] in tier2
    assert "```diff" not in tier2
    assert "(+3000 −" in tier2
    assert len(tier2) <= 8000
    tier3 = render_markdown(p, max_chars=1500)
    assert TIER_NOTES[3] in tier3
    assert "| Action |" in tier3
    assert "Safety checks" not in tier3
    assert len(tier3) <= 1500
    tier4 = render_markdown(p, max_chars=700)
    assert TIER_NOTES[4] in tier4
    assert "| Action |" not in tier4
    assert "Plan: 2 to add, 0 to change, 0 to destroy." in tier4
    assert len(tier4) <= 700
    assert "plan artifact" in tier4
    tiny = render_markdown(p, max_chars=200)
    assert len(tiny) <= 200
    assert tiny.startswith("<!-- impops:plan:")


def test_json_renderer_is_the_plan_file(tmp_path: Path) -> None:
    p = rep_plan()
    path = tmp_path / "plan.json"
    p.save(path)
    assert path.read_text(encoding="utf-8") == render_json(p)
    assert json.loads(render_json(p))["checksum"] == p.checksum
