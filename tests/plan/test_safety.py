"""Safety rules: update/delete shares, min_existing, protected changes, devices, force."""

from __future__ import annotations

from planfleet import PRODUCT, deployment, drop, fleet, put

from impops.engine.plan import Plan, PlanOptions, PlanSource, build_plan
from impops.engine.safety import SafetyCheck, SafetyThresholds
from impops.providers.impcentral.diff import plan_input
from impops.providers.impcentral.model import DeviceGroup, ImpCentralState

SOURCE = PlanSource("examples/manifests")


def plan(desired: ImpCentralState, live: ImpCentralState, **options: object) -> Plan:
    return build_plan([plan_input(desired, live)], PlanOptions(**options), SOURCE)  # type: ignore[arg-type]


def check(p: Plan, name: str, kind: str | None = "devicegroup") -> SafetyCheck:
    return next(c for c in p.safety.checks if c.name == name and c.kind == kind)


def touch_groups(desired: ImpCentralState, count: int) -> None:
    for i in range(count):
        address = f"devicegroup/{PRODUCT}/dev-{i:02d}"
        res = desired.resources[address]
        assert isinstance(res, DeviceGroup)
        put(desired, res.model_copy(update={"description": "touched"}))


def test_every_rule_is_reported_even_when_passing() -> None:
    f = fleet()
    p = plan(f.desired, f.live)
    names = {(c.name, c.kind) for c in p.safety.checks}
    for kind in ("product", "devicegroup", "deployment", "devices", "webhook"):
        assert ("update_threshold", kind) in names
        assert ("delete_threshold", kind) in names
    assert ("protected", None) in names
    assert all(c.passed for c in p.safety.checks)
    assert not p.blocked


def test_update_threshold_passes_at_the_limit_and_blocks_over_it() -> None:
    f = fleet(extra_groups=13)  # 20 live groups
    touch_groups(f.desired, 6)
    ok = check(plan(f.desired, f.live), "update_threshold")
    assert ok.passed
    assert ok.detail == "6 of 20 device groups updated (30% ≤ 30%)"
    touch_groups(f.desired, 7)
    p = plan(f.desired, f.live)
    bad = check(p, "update_threshold")
    assert not bad.passed
    assert p.blocked
    assert bad.detail == (
        "[weather-station] Too many updates of device groups, 35.0% is over 30.0% (7/20), "
        "force required"
    )
    assert "update_pcent_threshold >= 0.35" in bad.override
    assert "--force" in bad.override


def test_delete_threshold_blocks_and_names_the_override() -> None:
    f = fleet(extra_groups=3)  # 10 live groups
    for i in range(3):
        drop(f.desired, f"devicegroup/{PRODUCT}/dev-{i:02d}")
    assert check(plan(f.desired, f.live, prune=True), "delete_threshold").passed
    drop(f.desired, f"devicegroup/{PRODUCT}/development")
    drop(f.desired, f"deployment/{PRODUCT}/development")
    p = plan(f.desired, f.live, prune=True)
    bad = check(p, "delete_threshold")
    assert p.blocked
    assert bad.detail.startswith(
        "[weather-station] Too many deletes of device groups, 40.0% is over 30.0% (4/10)"
    )
    assert not plan(f.desired, f.live, prune=False).blocked  # nothing deleted without pruning


def test_thresholds_are_not_enforced_below_min_existing() -> None:
    f = fleet()  # 7 live groups
    touch = f.desired.resources[f"devicegroup/{PRODUCT}/development"]
    assert isinstance(touch, DeviceGroup)
    for name in ("development", "pre-production", "pre-dut"):
        res = f.desired.resources[f"devicegroup/{PRODUCT}/{name}"]
        assert isinstance(res, DeviceGroup)
        put(f.desired, res.model_copy(update={"description": "x"}))
    default = check(plan(f.desired, f.live), "update_threshold")
    assert default.passed
    assert "not enforced below 10 existing" in default.detail
    strict = {PRODUCT: SafetyThresholds(min_existing=5)}
    assert plan(f.desired, f.live, safety=strict).blocked
    fallback = {"*": SafetyThresholds(min_existing=5)}
    assert plan(f.desired, f.live, safety=fallback).blocked


def test_protected_change_needs_force() -> None:
    f = fleet()
    put(f.desired, deployment("production", side="desired", min_supported=True))
    p = plan(f.desired, f.live)
    rule = check(p, "protected", None)
    assert p.blocked
    assert not rule.passed
    assert (
        rule.override
        == "--allow deployment/weather-station/production (this change only), or --force"
    )
    assert "raises min_supported on production group 'production'" in rule.detail
    assert "deployment/weather-station/production" in rule.detail
    forced = plan(f.desired, f.live, force=True)
    assert not forced.blocked
    assert forced.safety.forced
    assert forced.safety.violations  # still reported, just overridden


def test_max_devices_affected() -> None:
    f = fleet()
    put(f.desired, deployment("production", side="desired", agent_code="// v2\n"))
    limits = {PRODUCT: SafetyThresholds(max_devices_affected=6)}
    assert check(plan(f.desired, f.live, safety=limits), "max_devices_affected", None).passed
    limits = {PRODUCT: SafetyThresholds(max_devices_affected=5)}
    p = plan(f.desired, f.live, safety=limits)
    rule = check(p, "max_devices_affected", None)
    assert p.blocked
    assert rule.detail == (
        "[weather-station] Too many devices affected, 6 is over 5, force required"
    )
    assert not plan(f.desired, f.live, safety=limits, force=True).blocked
