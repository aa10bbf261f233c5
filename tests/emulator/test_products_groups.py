"""Products and device groups: rules, exact server strings, scoping of ids."""

from __future__ import annotations

import re
from typing import Any

import pytest

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import load_seed

TYPES = (
    "development",
    "pre_factoryfixture",
    "pre_dut",
    "pre_production",
    "factoryfixture",
    "dut",
    "production",
)
ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _group_body(product_id: str, gtype: str, name: str, **kw: Any) -> dict[str, Any]:
    rels = {"product": {"type": "product", "id": product_id}, **kw.pop("rels", {})}
    return {"data": {"type": gtype, "attributes": {"name": name, **kw}, "relationships": rels}}


def test_product_crud_and_document_shape(api: Any) -> None:
    product = api.product("Alpha", "first")
    assert ID.match(product["id"])
    assert product["links"]["self"] == f"{api.emu.v5_url}/products/{product['id']}"
    me = api.ok("GET", "/accounts/me")["data"]["id"]
    assert product["relationships"] == {
        "owner": {"type": "account", "id": me},
        "creator": {"type": "account", "id": me},
    }
    assert re.fullmatch(r".+T.+\.\d{3}Z", product["attributes"]["created_at"])
    patch = {"data": {"type": "product", "id": product["id"], "attributes": {"name": "Beta"}}}
    updated = api.ok("PATCH", f"/products/{product['id']}", patch)["data"]
    assert updated["attributes"] == {
        **product["attributes"],
        "name": "Beta",
        "updated_at": updated["attributes"]["updated_at"],
    }
    api.ok("DELETE", f"/products/{product['id']}", status=204)
    assert api.get(f"/products/{product['id']}").status_code == 404


def test_product_name_rules(api: Any) -> None:
    api.product("Alpha", "same description")
    api.product("Other", "same description")  # duplicate descriptions are fine
    for name in ("Alpha", "ALPHA"):  # decision: uniqueness is case-insensitive
        body = {"data": {"type": "product", "attributes": {"name": name}}}
        answer = api.call("POST", "/products", body)
        assert answer.status_code == 409
        err = api.error(answer)
        assert (err["title"], err["detail"]) == (
            "Duplicate Resource",
            "Products must have unique names.",
        )
        assert err["code"].startswith("CX")
    for bad in ("", "x" * 81, 5):
        body = {"data": {"type": "product", "attributes": {"name": bad}}}
        assert api.call("POST", "/products", body).status_code == 400
    assert api.call("POST", "/products", {"data": {"type": "product"}}).status_code == 400
    long_desc = {"data": {"type": "product", "attributes": {"name": "D", "description": "x" * 256}}}
    assert api.call("POST", "/products", long_desc).status_code == 400


def test_product_delete_refused_with_groups(api: Any) -> None:
    product = api.product()
    api.group(product["id"])
    answer = api.call("DELETE", f"/products/{product['id']}")
    assert answer.status_code == 409
    err = api.error(answer)
    assert f"{err['title']}: {err['detail']}" == (
        "Dependent Devicegroups Exist: Cannot delete a product with associated devicegroups."
    )


def test_ids_are_scoped_by_type(api: Any) -> None:
    product = api.product()
    group = api.group(product["id"])
    assert api.get(f"/products/{group['id']}").status_code == 404
    assert api.get(f"/devicegroups/{product['id']}").status_code == 404
    err = api.error(api.get(f"/deployments/{product['id']}"))
    assert (err["status"], err["code"]) == ("404", "NF001")


def test_all_seven_group_types_with_targets(api: Any) -> None:
    product = api.product()
    made = {}
    for gtype in ("development", "pre_production", "production", "pre_dut", "dut"):
        made[gtype] = api.group(product["id"], gtype, gtype)
        assert made[gtype]["type"] == f"{gtype}_devicegroup"
    for fixture, prod, dut in (
        ("pre_factoryfixture", "pre_production", "pre_dut"),
        ("factoryfixture", "production", "dut"),
    ):
        rels = {
            "production_target": {"type": made[prod]["type"], "id": made[prod]["id"]},
            "dut_target": {"data": {"type": made[dut]["type"], "id": made[dut]["id"]}},
        }
        group = api.group(product["id"], fixture, fixture, relationships=rels)
        assert group["relationships"]["production_target"] == rels["production_target"]
        assert group["relationships"]["dut_target"]["id"] == made[dut]["id"]
        made[fixture] = group
    assert sorted(g["type"] for g in made.values()) == sorted(f"{t}_devicegroup" for t in TYPES)
    # Target pairing by type, and both targets required.
    wrong = _group_body(
        product["id"],
        "factoryfixture_devicegroup",
        "bad",
        rels={
            "production_target": {"type": "x", "id": made["pre_production"]["id"]},
            "dut_target": {"type": "x", "id": made["dut"]["id"]},
        },
    )
    assert api.call("POST", "/devicegroups", wrong).status_code == 400
    missing = _group_body(product["id"], "factoryfixture_devicegroup", "bad2")
    assert api.call("POST", "/devicegroups", missing).status_code == 400
    # Targets on a non-fixture type are refused.
    dev_with_target = _group_body(
        product["id"],
        "development_devicegroup",
        "bad3",
        rels={"production_target": {"type": "x", "id": made["production"]["id"]}},
    )
    assert api.call("POST", "/devicegroups", dev_with_target).status_code == 400
    # Targets must be in the same product.
    other = api.product("Other")
    cross = _group_body(
        other["id"],
        "factoryfixture_devicegroup",
        "cross",
        rels={
            "production_target": {"type": "x", "id": made["production"]["id"]},
            "dut_target": {"type": "x", "id": made["dut"]["id"]},
        },
    )
    assert api.call("POST", "/devicegroups", cross).status_code == 400
    # Delete guard: a group that is another group's target.
    answer = api.call("DELETE", f"/devicegroups/{made['production']['id']}")
    assert answer.status_code == 409
    assert api.error(answer)["title"] == "Dependent Devicegroups Exist"
    # Fixture groups can change targets on update.
    new_dut = api.group(product["id"], "dut", "dut2")
    patch = {
        "data": {
            "type": "factoryfixture_devicegroup",
            "id": made["factoryfixture"]["id"],
            "attributes": {},
            "relationships": {
                "production_target": {
                    "type": "production_devicegroup",
                    "id": made["production"]["id"],
                },
                "dut_target": {"type": "dut_devicegroup", "id": new_dut["id"]},
            },
        }
    }
    updated = api.ok("PATCH", f"/devicegroups/{made['factoryfixture']['id']}", patch)["data"]
    assert updated["relationships"]["dut_target"]["id"] == new_dut["id"]
    api.ok("DELETE", f"/devicegroups/{made['dut']['id']}", status=204)


def test_group_attribute_rules(api: Any) -> None:
    pid = api.product()["id"]
    prod = api.group(pid, "production", "prod", region="eu-west")
    assert prod["attributes"]["region"] == "eu-west"
    assert prod["attributes"]["load_code_after_blessing"] is True
    dev = api.group(pid, "development", "dev", env_vars={"API_KEY": "x", "level": 3})
    assert dev["attributes"]["env_vars"] == {"API_KEY": "x", "level": 3}
    assert dev["attributes"]["region"] == ""
    assert "load_code_after_blessing" not in dev["attributes"]
    bad = [
        _group_body(pid, "development_devicegroup", "r", region="eu"),
        _group_body(pid, "development_devicegroup", "l", load_code_after_blessing=False),
        _group_body(pid, "development_devicegroup", "e", env_vars={"1abc": "x"}),
        _group_body(pid, "development_devicegroup", "e2", env_vars={"a-b": "x"}),
        _group_body(pid, "development_devicegroup", "e3", env_vars={"ok": True}),
        _group_body(pid, "production_devicegroup", "r2", region=""),
        _group_body(pid, "nonsense_devicegroup", "t"),
    ]
    for body in bad:
        assert api.call("POST", "/devicegroups", body).status_code == 400, body
    # Name uniqueness within the product (case-insensitive), exact server text.
    dup = api.call("POST", "/devicegroups", _group_body(pid, "development_devicegroup", "DEV"))
    assert dup.status_code == 409
    assert api.error(dup)["detail"] == "Devicegroups must have unique names."
    api.group(api.product("Q")["id"], "development", "dev")  # same name, other product: fine

    # Update: load_code_after_blessing only on (pre-)production; region is create-only.
    def patch(group: dict[str, Any], attrs: dict[str, Any], gtype: str | None = None) -> Any:
        body = {"data": {"type": gtype or group["type"], "id": group["id"], "attributes": attrs}}
        return api.call("PATCH", f"/devicegroups/{group['id']}", body)

    answer = patch(prod, {"load_code_after_blessing": False})
    assert answer.json()["data"]["attributes"]["load_code_after_blessing"] is False
    assert patch(dev, {"load_code_after_blessing": False}).status_code == 400
    assert patch(prod, {"region": "us"}).status_code == 400
    # Decision: the type is immutable (409).
    changed = patch(prod, {}, "pre_production_devicegroup")
    assert changed.status_code == 409
    assert changed.json()["errors"][0]["code"].startswith("CX")
    assert patch(dev, {"env_vars": {"B": "1"}}).json()["data"]["attributes"]["env_vars"] == {
        "B": "1"
    }


def test_production_permission_required(make_api: Any) -> None:
    seed = load_seed(None)
    seed["accounts"][0]["production"] = False
    with EmulatorServer(seed=seed) as emu:
        api = make_api(emu)
        pid = api.product()["id"]
        api.group(pid, "development", "dev")
        for gtype in ("pre_production", "production", "dut", "pre_dut"):
            answer = api.call(
                "POST", "/devicegroups", _group_body(pid, f"{gtype}_devicegroup", gtype)
            )
            assert answer.status_code == 403
            assert "Invalid Permission" in api.error(answer)["title"]


@pytest.mark.parametrize("mode", ["keep", "cascade"])
def test_group_delete_keeps_or_cascades_deployments(mode: str, make_api: Any) -> None:
    """Decision 6: `cascade` (the default) deletes a group's deployments with it, as impCentral
    does since 2024 (issue 9); `keep` leaves them as zombies (issue 2). Webhooks always go."""
    with EmulatorServer(group_delete=mode) as emu:
        api = make_api(emu)
        pid = api.product()["id"]
        group = api.group(pid)
        first = api.deploy(group, "a")
        api.deploy(group, "b")
        hook = {
            "data": {
                "type": "webhook",
                "attributes": {
                    "url": "https://example.com/h",
                    "event": "deployment",
                    "content_type": "application/json",
                },
                "relationships": {"devicegroup": {"type": group["type"], "id": group["id"]}},
            }
        }
        api.ok("POST", "/webhooks", hook, 201)
        # Decision: a group with flagged deployments cannot be deleted.
        flag = {"data": {"type": "deployment", "id": first["id"], "attributes": {"flagged": True}}}
        api.ok("PATCH", f"/deployments/{first['id']}", flag)
        refused = api.call("DELETE", f"/devicegroups/{group['id']}")
        assert refused.status_code == 409
        assert api.error(refused)["title"] == "Resource Flagged"
        flag["data"]["attributes"]["flagged"] = False
        api.ok("PATCH", f"/deployments/{first['id']}", flag)
        api.ok("DELETE", f"/devicegroups/{group['id']}", status=204)
        assert api.ok("GET", "/webhooks")["data"] == []
        left = api.ok("GET", "/deployments")["data"]
        if mode == "cascade":
            assert left == []
            return
        assert len(left) == 2
        for dep in left:
            # A zombie: no devicegroup relationship (absent, never null); product survives.
            assert "devicegroup" not in dep["relationships"]
            assert dep["relationships"]["product"]["id"] == pid
        zombies = api.ok("GET", f"/deployments?filter[devicegroup.id]={group['id']}")["data"]
        assert zombies == []
        # Unflagged zombies can be deleted; deleting the product removes the rest.
        api.ok("DELETE", f"/deployments/{first['id']}", status=204)
        api.ok("DELETE", f"/products/{pid}", status=204)
        assert api.ok("GET", "/deployments")["data"] == []


def test_group_delete_cascades_by_default(emulator: EmulatorServer, api: Any) -> None:
    """Issue 9: without an option, deleting a group deletes its deployments."""
    pid = api.product()["id"]
    group = api.group(pid)
    deployment = api.deploy(group, "a")
    api.ok("DELETE", f"/devicegroups/{group['id']}", status=204)
    assert api.call("GET", f"/deployments/{deployment['id']}").status_code == 404
    assert api.ok("GET", "/deployments")["data"] == []


def test_unknown_group_delete_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="group_delete"):
        EmulatorServer(group_delete="sometimes")
