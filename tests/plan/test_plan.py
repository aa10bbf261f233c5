"""Plan assembly: apply order, summary, checksum, plan JSON, saved plans, targeting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from planfleet import (
    FINGERPRINT_KEY,
    NEW_API_KEY,
    PRODUCT,
    SECRET_API_KEY,
    SECRET_TOKEN,
    drop,
    fleet,
    put,
    representative,
)

from impops import redact
from impops.engine.change import Action
from impops.engine.plan import FORMAT_VERSION, Plan, PlanOptions, PlanSource, build_plan
from impops.errors import PlanError, StalePlanError
from impops.providers.impcentral.diff import plan_input
from impops.providers.impcentral.model import DeviceGroup, GroupType, ImpCentralState

SOURCE = PlanSource("examples/manifests", git_sha="a1b2c3d4e5f6", endpoint="http://127.0.0.1/v5")


def plan(desired: ImpCentralState, live: ImpCentralState, **options: object) -> Plan:
    return build_plan([plan_input(desired, live)], PlanOptions(**options), SOURCE)  # type: ignore[arg-type]


def rep_plan(**options: object) -> Plan:
    f = representative()
    return plan(f.desired, f.live, prune=True, **options)


def test_apply_order_kinds_then_reversed_deletes() -> None:
    order = [(c.action, c.address) for c in rep_plan().changes]
    kinds = [address.split("/")[0] for action, address in order if action is not Action.DELETE]
    assert kinds == sorted(
        kinds, key=["product", "devicegroup", "deployment", "devices", "webhook"].index
    )
    deletes = [address for action, address in order if action is Action.DELETE]
    assert deletes[0].startswith("webhook/")
    assert deletes[-1].startswith("devicegroup/")
    first_delete = next(i for i, (action, _) in enumerate(order) if action is Action.DELETE)
    assert all(action is Action.DELETE for action, _ in order[first_delete:])


def test_fixture_groups_are_created_after_their_targets_and_deleted_before_them() -> None:
    f = fleet()
    for address in [a for a in f.live.resources if a.startswith("devicegroup/")]:
        drop(f.live, address)
    created = [c.address for c in plan(f.desired, f.live).changes if c.kind.value == "devicegroup"]
    assert created.index(f"devicegroup/{PRODUCT}/factory") > created.index(
        f"devicegroup/{PRODUCT}/production"
    )
    assert created.index(f"devicegroup/{PRODUCT}/pre-factory") > created.index(
        f"devicegroup/{PRODUCT}/pre-dut"
    )
    f = fleet()
    for name in ("factory", "production", "dut"):
        drop(f.desired, f"devicegroup/{PRODUCT}/{name}")
    deleted = [
        c.address
        for c in plan(f.desired, f.live, prune=True).changes
        if c.kind.value == "devicegroup"
    ]
    assert deleted[0] == f"devicegroup/{PRODUCT}/factory"


def test_replace_sits_at_the_create_position() -> None:
    f = fleet()
    res = f.desired.resources[f"devicegroup/{PRODUCT}/development"]
    assert isinstance(res, DeviceGroup)
    put(f.desired, res.model_copy(update={"type": GroupType.PRE_DUT}))
    changes = plan(f.desired, f.live, force=True).changes
    assert changes[0].action is Action.REPLACE
    assert changes[0].address == f"devicegroup/{PRODUCT}/development"


def test_summary_counts_and_devices() -> None:
    p = rep_plan()
    s = p.summary
    assert (s.add, s.change, s.destroy) == (4, 4, 2)
    assert (s.devices_affected, s.device_groups_affected) == (7, 2)
    assert s.restart == ("conditional", "none")
    assert p.has_changes
    assert not p.targeting_in_effect


def test_no_changes_plan() -> None:
    f = fleet()
    p = plan(f.desired, f.live)
    assert not p.has_changes
    assert not p.blocked
    assert p.to_dict()["applyable"] is False


def test_checksum_is_stable_and_tracks_secret_values(monkeypatch: pytest.MonkeyPatch) -> None:
    first = rep_plan().checksum
    redact.reset_for_tests()  # a fresh process: same key from IMPOPS_FINGERPRINT_KEY
    assert rep_plan().checksum == first
    assert first.startswith("sha256:")
    assert len(first) == 7 + 64
    f = representative()
    prod = f.desired.resources[f"devicegroup/{PRODUCT}/production"]
    assert isinstance(prod, DeviceGroup)
    put(f.desired, prod.model_copy(update={"env_vars": {"API_KEY": "other", "LOG_LEVEL": "info"}}))
    assert plan(f.desired, f.live, prune=True).checksum != first
    monkeypatch.setenv("IMPOPS_FINGERPRINT_KEY", "another-key")
    redact.reset_for_tests()
    assert rep_plan().checksum != first


def test_plan_json_shape_and_no_secrets() -> None:
    p = rep_plan(force=True)
    data = p.to_dict()
    assert data["format_version"] == FORMAT_VERSION
    assert data["applyable"] is True
    assert data["complete"] is True
    assert data["errored"] is False
    assert data["source"]["git_sha"] == "a1b2c3d4e5f6"
    assert data["live_fingerprint"] == dict(sorted(p.fingerprints.items()))
    assert data["summary"]["add"] == 4
    text = json.dumps(data)
    for secret in (SECRET_API_KEY, NEW_API_KEY, SECRET_TOKEN):
        assert secret not in text
    entry = next(
        c for c in data["resource_changes"] if c["address"] == f"devicegroup/{PRODUCT}/production"
    )
    assert entry["change"]["actions"] == ["update"]
    assert entry["change"]["after_sensitive"] == {"env_vars.API_KEY": True}
    # the live side does not know what is secret: the desired side's marks apply to both
    assert entry["change"]["before"]["env_vars"]["API_KEY"] == {
        "redacted": redact.fingerprint(SECRET_API_KEY)
    }
    field = entry["change"]["fields"][0]
    assert field["path"] == "env_vars.API_KEY"
    assert field["sensitive"] is True
    assert field["after"]["redacted"].startswith("hmac-sha256:")
    dep = next(
        c for c in data["resource_changes"] if c["address"] == f"deployment/{PRODUCT}/production"
    )
    assert dep["action_reason"] == "code_changed"
    assert dep["restart"] == "conditional"
    assert "agent_code" not in dep["change"]["after"]
    assert dep["change"]["after"]["agent_lines"] > 0
    assert dep["protected"] is True
    assert dep["devices_affected"] == 6


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    p = rep_plan()
    path = tmp_path / "plan.json"
    p.save(path)
    saved = Plan.load_saved(path)
    assert saved.checksum == p.checksum
    assert saved.fingerprints == p.fingerprints
    assert saved.source == SOURCE
    assert saved.blocked is True
    assert saved.applyable is False


def test_load_rejects_unknown_major_and_tampering(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    rep_plan().save(path)
    data = json.loads(path.read_text())
    data["format_version"] = "1.7"
    path.write_text(json.dumps(data))
    Plan.load_saved(path)  # minor versions are additive
    data["format_version"] = "2.0"
    path.write_text(json.dumps(data))
    with pytest.raises(PlanError, match="unsupported plan format_version"):
        Plan.load_saved(path)
    data["format_version"] = "1.0"
    data["resource_changes"][0]["devices_affected"] = 999
    path.write_text(json.dumps(data))
    with pytest.raises(StalePlanError, match="checksum mismatch"):
        Plan.load_saved(path)
    path.write_text("not json")
    with pytest.raises(PlanError, match="cannot read plan file"):
        Plan.load_saved(path)


def test_targeting_filters_and_is_flagged() -> None:
    p = rep_plan(targets=("deployment/*",))
    assert p.changes
    assert all(c.address.startswith("deployment/") for c in p.changes)
    assert p.targeting_in_effect
    assert p.to_dict()["complete"] is False
    p = rep_plan(excludes=("webhook/*", "devices/*"))
    assert not any(c.kind.value in ("webhook", "devices") for c in p.changes)
    assert p.to_dict()["source"]["exclude_filter"] == ["webhook/*", "devices/*"]
    p = rep_plan(targets=("deployment/*",), excludes=("*/production",))
    assert {c.address for c in p.changes} == {
        f"deployment/{PRODUCT}/beta",
        f"deployment/{PRODUCT}/development",
    }
    assert not p.blocked  # the protected production change was excluded


def test_deleted_objects_have_env_vars_and_urls_redacted() -> None:
    f = fleet()
    for address in [a for a in f.desired.resources if "/production" in a or "/factory" in a]:
        drop(f.desired, address)
    data = plan(f.desired, f.live, prune=True, force=True).to_dict()
    text = json.dumps(data)
    assert SECRET_API_KEY not in text
    assert SECRET_TOKEN not in text
    assert "factory.example.com/blessing" not in text


def test_checksum_is_stable_across_processes() -> None:
    import subprocess
    import sys

    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from planfleet import representative\n"
        "from impops.engine.plan import PlanOptions, PlanSource, build_plan\n"
        "from impops.providers.impcentral.diff import plan_input\n"
        "f = representative()\n"
        "src = PlanSource('examples/manifests', git_sha='a1b2c3d4e5f6', "
        "endpoint='http://127.0.0.1/v5')\n"
        "opts = PlanOptions(prune=True)\n"
        "print(build_plan([plan_input(f.desired, f.live)], opts, src).checksum)\n"
    )
    env = {"IMPOPS_FINGERPRINT_KEY": FINGERPRINT_KEY, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-c", script, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).parents[2],
    )
    assert out.stdout.strip() == rep_plan().checksum
