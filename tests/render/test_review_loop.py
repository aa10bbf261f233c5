"""The reviewer's loop over HTTP against the emulator: the demo's first edit, --allow, show,
stale plans that name what moved, and the drift baseline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PROD = "deployment/weather-station/production"


def _edit_app_code(manifests: Path) -> None:
    code = manifests / "weather-station" / "src" / "app.agent.nut"
    code.write_text(code.read_text(encoding="utf-8") + "\n// release 1.5\n", encoding="utf-8")


def test_demo_first_edit_is_blocked_then_allowed_narrowly(
    cli: Callable[..., Any], manifests: Path, tmp_path: Path
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    _edit_app_code(manifests)
    blocked = cli("plan", str(manifests))
    assert blocked.code == 3
    assert "raises min_supported on production group 'production'" in blocked.out
    assert f"--allow {PROD} (this change only)" in blocked.out
    # One code change reaching several groups: its diff is printed once.
    assert blocked.out.count("+// release 1.5") == 1
    assert "(shown once)" in blocked.out

    plan_file = tmp_path / "plan.json"
    allowed = cli("plan", str(manifests), "--allow", PROD, "--out", str(plan_file))
    assert allowed.code == 0, allowed.err
    assert f"allowed by --allow {PROD}" in allowed.out
    assert f"To apply exactly this plan: impops apply manifests --plan {plan_file}" in allowed.err
    saved = json.loads(plan_file.read_text(encoding="utf-8"))
    assert saved["safety"]["allowed"] == [PROD]
    assert not Path(saved["source"]["manifest_root"]).is_absolute()

    shown = cli("show", str(plan_file))
    assert shown.code == 0
    assert f"allowed by --allow {PROD}" in shown.out
    # apply --plan takes the reviewed --allow from the plan file; a different one is stale.
    other = cli("apply", str(manifests), "--plan", str(plan_file), "--allow", "x/y/z")
    assert other.code == 4
    assert "--allow differs" in other.err
    assert cli("apply", str(manifests), "--plan", str(plan_file)).code == 0


def test_show_needs_no_credentials_and_says_forced(
    cli: Callable[..., Any], manifests: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("apply", str(manifests), "--auto-approve")
    _edit_app_code(manifests)
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(manifests), "--force", "--out", str(plan_file)).code == 0
    for name in ("IMPOPS_ENDPOINT", "IMPOPS_LOGIN_KEY"):
        monkeypatch.delenv(name)
    text = cli("show", str(plan_file))
    assert text.code == 0
    assert "This plan was made with --force" in text.out
    md = cli("show", str(plan_file), "--format", "markdown")
    assert "overridden with `--force`" in md.out
    assert md.out.startswith("<!-- impops:plan:manifests -->\n## impops plan — `manifests`")
    assert "impops apply manifests --plan" in md.out
    assert "--force`" in md.out
    assert json.loads(cli("show", str(plan_file), "--format", "json").out)["safety"]["forced"]
    page = tmp_path / "plan.html"
    assert cli("show", str(plan_file), "--format", "html", "--out", str(page)).code == 0
    assert "Made with --force" in page.read_text(encoding="utf-8")


def test_stale_saved_plan_names_what_moved(
    cli: Callable[..., Any], manifests: Path, tmp_path: Path
) -> None:
    cli("apply", str(manifests), "--auto-approve")
    plan_file = tmp_path / "plan.json"
    product = manifests / "weather-station" / "product.yaml"
    text = product.read_text(encoding="utf-8")
    product.write_text(text.replace("Bench units", "Bench boards"), encoding="utf-8")
    assert cli("plan", str(manifests), "--out", str(plan_file)).code == 0
    product.write_text(text.replace("Bench units", "Desk boards"), encoding="utf-8")
    stale = cli("apply", str(manifests), "--plan", str(plan_file))
    assert stale.code == 4
    assert "devicegroup/weather-station/development changed" in stale.err


def _baseline(path: Path, expires: str) -> Path:
    path.write_text(
        "- address: devicegroup/*/production\n"
        "  why: the field team edits descriptions by hand\n"
        f"  expires: {expires}\n",
        encoding="utf-8",
    )
    return path


def test_drift_baseline_acknowledges_until_it_expires(
    cli: Callable[..., Any], manifests: Path, tmp_path: Path, client: Any
) -> None:
    cli("apply", str(manifests), "--auto-approve")
    group = next(g for g in client.list_device_groups() if g["attributes"]["name"] == "production")
    client.update_device_group(group["id"], group["type"], {"description": "edited by hand"})
    plain = cli("drift", str(manifests))
    assert plain.code == 2
    # One direction everywhere: live → manifests, as plan shows it.
    assert '"edited by hand" → "' in plain.out
    md = cli("drift", str(manifests), "--format", "markdown")
    assert '"edited by hand" → "' in md.out

    fresh = _baseline(tmp_path / "baseline.yaml", "2999-12-31")
    out = tmp_path / "drift.json"
    quiet = cli("drift", str(manifests), "--baseline", str(fresh), "--out", str(out))
    assert quiet.code == 0, quiet.out
    assert "Acknowledged drift (1" in quiet.out
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["drift"] is False
    assert data["acknowledged"][0]["address"].endswith("/production")
    assert data["acknowledged"][0]["pattern"] == "devicegroup/*/production"
    assert data["acknowledged"][0]["why"] == "the field team edits descriptions by hand"
    comment = cli("comment", "--drift", str(out), "--dry-run", "--key", "fleet")
    assert "Acknowledged drift (1)" in comment.out

    old = _baseline(tmp_path / "old.json", "2001-01-01")
    expired = cli("drift", str(manifests), "--baseline", str(old))
    assert expired.code == 2
    assert "acknowledgement expired on 2001-01-01" in expired.out
