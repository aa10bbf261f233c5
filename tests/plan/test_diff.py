"""The differ: one test per plan action and kind, prune on/off, protection, devices."""

from __future__ import annotations

import pytest
from planfleet import (
    BLESSING_URL,
    PRODUCT,
    SECRET_API_KEY,
    WEBHOOK_URL,
    deployment,
    drop,
    fleet,
    mac,
    put,
    webhook,
)

from impops.engine.change import Action, Change
from impops.errors import PlanError
from impops.providers.impcentral.diff import diff
from impops.providers.impcentral.model import (
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    ImpCentralState,
    Product,
)

G = f"devicegroup/{PRODUCT}"


def only(changes: tuple[Change, ...], address: str) -> Change:
    found = [c for c in changes if c.address == address]
    assert len(found) == 1, [c.address for c in changes]
    return found[0]


def grp(state: ImpCentralState, name: str) -> DeviceGroup:
    res = state.resources[f"{G}/{name}"]
    assert isinstance(res, DeviceGroup)
    return res


def test_matching_states_have_no_changes() -> None:
    f = fleet()
    result = diff(f.desired, f.live, prune=True)
    assert result.changes == ()
    assert {u.reason for u in result.unmanaged} == {"not_declared"}


def test_live_products_outside_the_manifests_are_ignored() -> None:
    f = fleet()
    f.live.add(Product(product="other"))
    f.live.add(DeviceGroup(product="other", name="x", type=GroupType.PRODUCTION))
    assert diff(f.desired, f.live, prune=True).changes == ()


def test_retired_product_is_deleted_only_when_pruning() -> None:
    # A managed product no longer in the manifests (retired_products) goes with its groups.
    f = fleet()
    f.live.add(Product(product="old-sensor"))
    f.live.add(DeviceGroup(product="old-sensor", name="dev", type=GroupType.DEVELOPMENT))
    kept = diff(f.desired, f.live, prune=False, managed=["old-sensor"])
    assert kept.changes == ()
    assert {u.address for u in kept.unmanaged} >= {
        "product/old-sensor",
        "devicegroup/old-sensor/dev",
    }
    pruned = diff(f.desired, f.live, prune=True, managed=["old-sensor"])
    assert {(c.action, c.address) for c in pruned.changes} == {
        (Action.DELETE, "product/old-sensor"),
        (Action.DELETE, "devicegroup/old-sensor/dev"),
    }


def test_product_create_and_update() -> None:
    f = fleet()
    put(f.desired, Product(product=PRODUCT, description="new text"))
    change = only(diff(f.desired, f.live, prune=False).changes, f"product/{PRODUCT}")
    assert change.action is Action.UPDATE
    assert change.reason == "fields_changed"
    assert change.fields[0].path == "description"
    drop(f.live, f"product/{PRODUCT}")
    change = only(diff(f.desired, f.live, prune=False).changes, f"product/{PRODUCT}")
    assert change.action is Action.CREATE
    assert change.reason == "missing_in_live"


def test_group_create_puts_code_and_devices_after_it() -> None:
    f = fleet()
    put(f.desired, DeviceGroup(product=PRODUCT, name="beta", type=GroupType.DEVELOPMENT))
    put(f.desired, deployment("beta", side="desired"))
    put(f.desired, DeviceAssignment(product=PRODUCT, group="beta", devices=("spare01",)))
    changes = diff(f.desired, f.live, prune=False).changes
    assert only(changes, f"{G}/beta").action is Action.CREATE
    dep = only(changes, f"deployment/{PRODUCT}/beta")
    assert (dep.action, dep.reason, dep.before) == (Action.CREATE, "no_deployment", None)
    devices = only(changes, f"devices/{PRODUCT}/beta")
    assert devices.action is Action.UPDATE
    assert devices.reason == "devices_changed"
    assert devices.fields[0].before == []
    assert devices.fields[0].after == ["spare01"]
    assert devices.devices_affected == 1


def test_group_update_explains_env_vars_per_key_and_marks_secrets() -> None:
    f = fleet()
    prod = grp(f.desired, "production")
    env = {"API_KEY": "rotated-key-0001", "LOG_LEVEL": "debug", "NEW": 1}
    put(f.desired, prod.model_copy(update={"env_vars": env, "description": "Prod"}))
    change = only(diff(f.desired, f.live, prune=False).changes, f"{G}/production")
    assert change.action is Action.UPDATE
    assert not change.protected
    fields = {fc.path: fc for fc in change.fields}
    assert set(fields) == {"description", "env_vars.API_KEY", "env_vars.LOG_LEVEL", "env_vars.NEW"}
    assert fields["env_vars.API_KEY"].sensitive
    assert fields["env_vars.API_KEY"].before == SECRET_API_KEY
    assert not fields["env_vars.LOG_LEVEL"].sensitive
    assert fields["env_vars.NEW"].before is None
    assert fields["env_vars.NEW"].after == 1


@pytest.mark.parametrize(
    ("name", "change", "protected"),
    [
        ("development", {"type": GroupType.PRE_DUT}, False),
        ("production", {"region": "eu-west"}, True),
        ("dut", {"type": GroupType.PRE_DUT}, True),
        ("factory", {"type": GroupType.PRE_FACTORYFIXTURE}, True),
    ],
)
def test_type_or_region_change_replaces_the_group(
    name: str, change: dict[str, object], protected: bool
) -> None:
    f = fleet()
    put(f.desired, grp(f.desired, name).model_copy(update=change))
    result = only(diff(f.desired, f.live, prune=False).changes, f"{G}/{name}")
    assert result.action is Action.REPLACE
    assert result.reason == "requires_replacement"
    assert result.protected is protected


def test_replaced_group_recreates_its_children() -> None:
    f = fleet()
    put(f.desired, grp(f.desired, "production").model_copy(update={"region": "eu-west"}))
    changes = diff(f.desired, f.live, prune=False).changes
    assert only(changes, f"{G}/production").devices_affected == 6
    assert only(changes, f"deployment/{PRODUCT}/production").action is Action.CREATE
    assert only(changes, f"devices/{PRODUCT}/production").fields[0].before == []
    hook = webhook("production", "deployment", WEBHOOK_URL, side="desired").address
    assert only(changes, hook).action is Action.CREATE


def test_region_unstated_in_manifest_is_not_compared() -> None:
    f = fleet()
    put(f.live, grp(f.live, "production").model_copy(update={"region": "us-east"}))
    assert diff(f.desired, f.live, prune=False).changes == ()


def test_group_delete_only_with_prune() -> None:
    f = fleet()
    put(f.live, DeviceGroup(product=PRODUCT, name="legacy", type=GroupType.DEVELOPMENT))
    kept = diff(f.desired, f.live, prune=False)
    assert kept.changes == ()
    assert [(u.address, u.reason) for u in kept.unmanaged if u.reason == "pruning_off"] == [
        (f"{G}/legacy", "pruning_off")
    ]
    change = only(diff(f.desired, f.live, prune=True).changes, f"{G}/legacy")
    assert (change.action, change.reason, change.protected) == (
        Action.DELETE,
        "not_in_manifests",
        False,
    )


def test_pruning_a_production_group_is_protected_and_unassigns_devices() -> None:
    f = fleet()
    for address in [a for a in f.desired.resources if "/factory" in a or "/production" in a]:
        drop(f.desired, address)
    changes = diff(f.desired, f.live, prune=True).changes
    prod = only(changes, f"{G}/production")
    assert prod.action is Action.DELETE
    assert prod.protected
    assert prod.devices_affected == 6
    devices = only(changes, f"devices/{PRODUCT}/production")
    assert devices.action is Action.DELETE
    assert devices.devices_affected == 6
    assert only(changes, f"{G}/factory").protected
    hook = webhook("production", "deployment", WEBHOOK_URL, side="live").address
    assert only(changes, hook).action is Action.DELETE


def test_deleting_a_group_with_a_flagged_deployment_is_protected() -> None:
    f = fleet()
    drop(f.desired, f"{G}/development")
    drop(f.desired, f"deployment/{PRODUCT}/development")
    put(f.live, deployment("development", side="live", flagged=True))
    assert only(diff(f.desired, f.live, prune=True).changes, f"{G}/development").protected


def test_fixture_target_and_blessing_changes_are_protected() -> None:
    f = fleet()
    put(f.desired, grp(f.desired, "factory").model_copy(update={"dut_target": "pre-dut"}))
    put(
        f.desired,
        grp(f.desired, "pre-production").model_copy(update={"load_code_after_blessing": False}),
    )
    put(f.desired, grp(f.desired, "development").model_copy(update={"description": "x"}))
    changes = diff(f.desired, f.live, prune=False).changes
    assert only(changes, f"{G}/factory").protected
    assert only(changes, f"{G}/pre-production").protected
    assert not only(changes, f"{G}/development").protected


def test_code_change_plans_a_new_deployment() -> None:
    f = fleet()
    put(f.desired, deployment("development", side="desired", device_code="// new\n"))
    change = only(diff(f.desired, f.live, prune=False).changes, f"deployment/{PRODUCT}/development")
    assert (change.action, change.reason) == (Action.CREATE, "code_changed")
    assert change.before is not None
    assert change.after is not None
    assert [fc.path for fc in change.fields] == ["device_sha256"]
    assert change.devices_affected == 2


def test_metadata_change_updates_the_current_deployment_ignoring_the_impops_tag() -> None:
    f = fleet()
    put(f.desired, deployment("development", side="desired", tags=("v1-4-0", "beta")))
    change = only(diff(f.desired, f.live, prune=False).changes, f"deployment/{PRODUCT}/development")
    assert (change.action, change.reason) == (Action.UPDATE, "fields_changed")
    assert change.fields[0].path == "tags"
    assert change.fields[0].before == ["v1-4-0"]
    assert change.devices_affected == 0


def test_min_supported_raise_is_an_update_and_protected_on_production() -> None:
    f = fleet()
    put(f.desired, deployment("production", side="desired", min_supported=True))
    put(f.desired, deployment("development", side="desired", min_supported=True))
    changes = diff(f.desired, f.live, prune=False).changes
    prod = only(changes, f"deployment/{PRODUCT}/production")
    assert prod.action is Action.UPDATE
    assert prod.protected
    assert prod.devices_affected == 6
    assert [(fc.path, fc.before, fc.after) for fc in prod.fields] == [
        ("min_supported", False, True)
    ]
    assert not only(changes, f"deployment/{PRODUCT}/development").protected
    put(f.live, deployment("production", side="live", min_supported=True))
    assert f"deployment/{PRODUCT}/production" not in {
        c.address for c in diff(f.desired, f.live, prune=False).changes
    }


def test_new_code_with_min_supported_on_production_is_protected() -> None:
    f = fleet()
    put(f.desired, deployment("production", side="desired", agent_code="//x\n", min_supported=True))
    change = only(diff(f.desired, f.live, prune=False).changes, f"deployment/{PRODUCT}/production")
    assert change.action is Action.CREATE
    assert change.protected


def test_first_deployment_with_min_supported_on_production_is_not_protected() -> None:
    # No older code exists, so raising the minimum forces no device off anything.
    f = fleet()
    drop(f.live, f"deployment/{PRODUCT}/production")
    put(f.desired, deployment("production", side="desired", agent_code="//x\n", min_supported=True))
    change = only(diff(f.desired, f.live, prune=False).changes, f"deployment/{PRODUCT}/production")
    assert (change.action, change.reason) == (Action.CREATE, "no_deployment")
    assert not change.protected


def test_undeclared_live_deployment_is_never_deleted() -> None:
    f = fleet()
    drop(f.desired, f"deployment/{PRODUCT}/development")
    result = diff(f.desired, f.live, prune=True)
    assert result.changes == ()
    assert (f"deployment/{PRODUCT}/development", "not_declared") in {
        (u.address, u.reason) for u in result.unmanaged
    }


def test_devices_resolve_ids_macs_and_agent_ids() -> None:
    f = fleet()
    refs = ("pr01", mac("pr02").upper(), "agent-pr03", "pr04", "pr05", "pr06", "spare01")
    put(f.desired, DeviceAssignment(product=PRODUCT, group="production", devices=refs))
    change = only(diff(f.desired, f.live, prune=False).changes, f"devices/{PRODUCT}/production")
    assert change.fields[0].after == ["pr01", "pr02", "pr03", "pr04", "pr05", "pr06", "spare01"]
    assert change.devices_affected == 1


def test_devices_removed() -> None:
    f = fleet()
    put(f.desired, DeviceAssignment(product=PRODUCT, group="production", devices=("pr01",)))
    change = only(diff(f.desired, f.live, prune=False).changes, f"devices/{PRODUCT}/production")
    assert change.fields[0].before == ["pr01", "pr02", "pr03", "pr04", "pr05", "pr06"]
    assert change.devices_affected == 5


def test_unknown_device_refs_raise_with_positions() -> None:
    f = fleet()
    assignment = f.desired.resources[f"devices/{PRODUCT}/production"]
    assert isinstance(assignment, DeviceAssignment)
    put(f.desired, assignment.model_copy(update={"devices": ("pr01", "ghost-1", "0c:2a:00")}))
    with pytest.raises(PlanError) as info:
        diff(f.desired, f.live, prune=False)
    message = str(info.value)
    assert "2 unknown device references" in message
    assert "weather-station.yaml:90:5" in message
    assert "'ghost-1'" in message
    assert "'0c:2a:00'" in message


def test_webhook_create_update_and_url_change() -> None:
    f = fleet()
    put(
        f.desired,
        webhook(
            "factory",
            "blessing",
            BLESSING_URL,
            side="desired",
            content_type="application/x-www-form-urlencoded",
        ),
    )
    changes = diff(f.desired, f.live, prune=False).changes
    update = only(changes, webhook("factory", "blessing", BLESSING_URL, side="live").address)
    assert update.action is Action.UPDATE
    assert update.fields[0].path == "content_type"

    f = fleet()
    old = webhook("factory", "blessing", BLESSING_URL, side="desired")
    drop(f.desired, old.address)
    new = put(f.desired, webhook("factory", "blessing", BLESSING_URL + "/v2", side="desired"))
    without = diff(f.desired, f.live, prune=False)
    assert [c.address for c in without.changes] == [new.address]
    assert old.address in {u.address for u in without.unmanaged}
    with_prune = diff(f.desired, f.live, prune=True)
    assert {(c.address, c.action) for c in with_prune.changes} == {
        (new.address, Action.CREATE),
        (old.address, Action.DELETE),
    }
