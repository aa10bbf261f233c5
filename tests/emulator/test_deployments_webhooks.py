"""Deployments (sha, immutability, min supported, delete rules, tags, filters) and webhooks."""

from __future__ import annotations

import hashlib
from typing import Any

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import load_seed

FLAGGED_TEXT = (
    "Resource Flagged: You cannot delete flagged deployments; set the flagged attribute to "
    "false and try again."
)


def _patch(api: Any, dep: dict[str, Any], attrs: dict[str, Any]) -> Any:
    body = {"data": {"type": "deployment", "id": dep["id"], "attributes": attrs}}
    return api.call("PATCH", f"/deployments/{dep['id']}", body)


def _min_supported(api: Any, group: dict[str, Any], dep_id: str) -> Any:
    body = {"data": {"type": "deployment", "id": dep_id}}
    return api.call(
        "PUT", f"/devicegroups/{group['id']}/relationships/min_supported_deployment", body
    )


def test_deployment_create_sha_and_current(api: Any) -> None:
    group = api.group(api.product()["id"])
    dep = api.deploy(group, "device();", agent_code="agent();", origin="ci", tags=["v1", "a.b*"])
    attrs = dep["attributes"]
    assert attrs["sha"] == hashlib.sha256(b"device();agent();").hexdigest()
    assert attrs["flagged"] is False
    assert attrs["origin"] == "ci"
    assert set(dep["relationships"]) == {"owner", "creator", "product", "devicegroup"}
    assert dep["relationships"]["devicegroup"] == {"type": group["type"], "id": group["id"]}
    got = api.ok("GET", f"/devicegroups/{group['id']}")["data"]["relationships"]
    assert got["current_deployment"] == {"type": "deployment", "id": dep["id"]}
    # Decision: the first deployment becomes the minimum supported automatically.
    assert got["min_supported_deployment"]["id"] == dep["id"]
    second = api.deploy(group, "device();", agent_code="agent();")
    assert second["attributes"]["sha"] == attrs["sha"]  # sha is not unique
    got = api.ok("GET", f"/devicegroups/{group['id']}")["data"]["relationships"]
    assert got["current_deployment"]["id"] == second["id"]
    assert got["min_supported_deployment"]["id"] == dep["id"]


def test_deployment_validation(api: Any) -> None:
    group = api.group(api.product()["id"])
    rel = {"devicegroup": {"type": group["type"], "id": group["id"]}}

    def create(attrs: dict[str, Any]) -> Any:
        body = {"data": {"type": "deployment", "attributes": attrs, "relationships": rel}}
        return api.call("POST", "/deployments", body)

    assert create({"device_code": ""}).status_code == 400  # agent_code required
    nul = create({"device_code": "a\u0000", "agent_code": ""})
    assert nul.status_code == 400
    err = api.error(nul)
    assert f"{err['title']}: {err['detail']}" == (
        "Invalid Character: The value may not contain embedded NUL (\\u0000)."
    )
    for tags in (["has space"], ["ok", 3], ["x" * 501], "notalist"):
        assert create({"device_code": "", "agent_code": "", "tags": tags}).status_code == 400
    assert create({"device_code": "", "agent_code": "", "tags": ["x" * 500]}).status_code == 201
    wrong_type = {
        "data": {
            "type": "deployment",
            "attributes": {"device_code": "", "agent_code": ""},
            "relationships": {"devicegroup": {"type": "production_devicegroup", "id": group["id"]}},
        }
    }
    assert api.call("POST", "/deployments", wrong_type).status_code == 400
    no_group = {"data": {"type": "deployment", "attributes": {"device_code": "", "agent_code": ""}}}
    assert api.call("POST", "/deployments", no_group).status_code == 400


def test_deployment_update_rules_and_flagger(api: Any) -> None:
    dep = api.deploy(api.group(api.product()["id"]), "x", origin="o")
    for attrs in ({"device_code": "y"}, {"agent_code": "y"}, {"origin": "p"}, {"sha": "0"}):
        answer = _patch(api, dep, attrs)
        assert answer.status_code == 400, attrs
    me = api.ok("GET", "/accounts/me")["data"]["id"]
    flagged = _patch(api, dep, {"flagged": True, "tags": ["t"], "description": "d"}).json()
    assert flagged["data"]["attributes"]["tags"] == ["t"]
    assert flagged["data"]["relationships"]["flagger"] == {"type": "account", "id": me}
    unflagged = _patch(api, dep, {"flagged": False}).json()["data"]
    assert "flagger" not in unflagged["relationships"]


def test_delete_rules(api: Any) -> None:
    group = api.group(api.product()["id"])
    old = api.deploy(group, "1")
    mid = api.deploy(group, "2")
    new = api.deploy(group, "3")
    # The min supported (old, automatically) and anything newer cannot be deleted.
    for dep in (old, mid, new):
        assert api.call("DELETE", f"/deployments/{dep['id']}").status_code == 409
    assert _min_supported(api, group, mid["id"]).status_code == 204
    # Not older than the current minimum.
    refused = _min_supported(api, group, old["id"])
    assert refused.status_code == 409
    assert api.error(refused)["code"].startswith("CX")
    # Must belong to the group.
    other = api.deploy(api.group(api.product("Q")["id"], name="o"), "x")
    assert _min_supported(api, group, other["id"]).status_code == 409
    assert _min_supported(api, group, "00000000-0000-0000-0000-000000000000").status_code == 404
    # Flagged deployments cannot be deleted: exact server text.
    _patch(api, old, {"flagged": True})
    answer = api.call("DELETE", f"/deployments/{old['id']}")
    assert answer.status_code == 409
    err = api.error(answer)
    assert f"{err['title']}: {err['detail']}" == FLAGGED_TEXT
    _patch(api, old, {"flagged": False})
    api.ok("DELETE", f"/deployments/{old['id']}", status=204)


def test_deployment_filters(api: Any) -> None:
    pid = api.product()["id"]
    g1 = api.group(pid, name="one")
    g2 = api.group(pid, name="two")
    a = api.deploy(g1, "a", tags=["x", "y"])
    b = api.deploy(g2, "b", tags=["x"])
    _patch(api, b, {"flagged": True})

    def ids(query: str) -> list[str]:
        return sorted(d["id"] for d in api.ok("GET", f"/deployments?{query}")["data"])

    assert ids(f"filter[devicegroup.id]={g1['id']}") == [a["id"]]
    assert ids(f"filter%5Bproduct.id%5D={pid}") == sorted([a["id"], b["id"]])
    assert ids("filter[tags]=x%2Cy") == [a["id"]]
    assert ids("filter%5Btags%5D=x") == sorted([a["id"], b["id"]])
    assert ids("filter[flagged]=true") == [b["id"]]
    assert ids("filter[flagged]=false") == [a["id"]]
    assert ids("filter[flagged]=any") == sorted([a["id"], b["id"]])
    assert ids(f"filter[sha]={a['attributes']['sha']}") == [a["id"]]
    me = api.ok("GET", "/accounts/me")["data"]["id"]
    assert ids(f"filter[flagger.id]={me}") == [b["id"]]
    assert ids(f"filter[creator.id]={me}&filter[owner.id]={me}") == sorted([a["id"], b["id"]])
    assert api.get("/deployments?filter[flagged]=maybe").status_code == 400


def test_zombie_deployments_from_seed(make_api: Any) -> None:
    seed = load_seed(None)
    seed["accounts"][0]["products"] = [
        {"name": "Legacy", "deployments": [{"device_code": "old", "agent_code": ""}]}
    ]
    with EmulatorServer(seed=seed) as emu:
        api = make_api(emu)
        [zombie] = api.ok("GET", "/deployments")["data"]
        assert "devicegroup" not in zombie["relationships"]
        assert "product" in zombie["relationships"]
        api.ok("DELETE", f"/deployments/{zombie['id']}", status=204)


def _hook(
    group: dict[str, Any],
    event: str,
    url: str = "https://example.com/x",
    content_type: str = "application/json",
) -> dict[str, Any]:
    return {
        "data": {
            "type": "webhook",
            "attributes": {"url": url, "event": event, "content_type": content_type},
            "relationships": {"devicegroup": {"type": group["type"], "id": group["id"]}},
        }
    }


def test_webhooks(emulator: EmulatorServer, api: Any) -> None:
    pid = api.product()["id"]
    dev = api.group(pid, "development", "dev")
    prod = api.group(pid, "production", "prod")
    made = api.ok("POST", "/webhooks", _hook(dev, "deployment"), 201)["data"]
    assert made["relationships"]["devicegroup"] == {"type": dev["type"], "id": dev["id"]}
    # Decision: blessing/blinkup only on (pre-)production groups.
    for event in ("blessing", "blinkup"):
        assert api.call("POST", "/webhooks", _hook(dev, event)).status_code == 400
        form = _hook(prod, event, content_type="application/x-www-form-urlencoded")
        assert api.ok("POST", "/webhooks", form, 201)["data"]["attributes"]["event"] == event
    bad_url = api.call("POST", "/webhooks", _hook(dev, "deployment", url="invalidurl"))
    assert bad_url.status_code == 400
    err = api.error(bad_url)
    assert f"{err['title']}: {err['detail']}" == "Invalid URL: The provided URL is invalid."
    assert api.call("POST", "/webhooks", _hook(dev, "nope")).status_code == 400
    assert (
        api.call("POST", "/webhooks", _hook(dev, "deployment", content_type="x")).status_code == 400
    )
    path = f"/webhooks/{made['id']}"
    body = {
        "data": {
            "type": "webhook",
            "id": made["id"],
            "attributes": {
                "url": "http://h.example/y",
                "content_type": "application/x-www-form-urlencoded",
            },
        }
    }
    updated = api.ok("PATCH", path, body)["data"]["attributes"]
    assert updated["url"] == "http://h.example/y"
    body["data"]["attributes"] = {"event": "blessing"}
    assert api.call("PATCH", path, body).status_code == 400  # event is not updatable
    listed = api.ok("GET", f"/webhooks?filter[devicegroup.id]={prod['id']}")["data"]
    assert len(listed) == 2
    api.ok("DELETE", path, status=204)
    assert api.get(path).status_code == 404


def test_product_delete_removes_zombies_and_foreign_owner_refused(make_api: Any) -> None:
    seed = load_seed(None)
    seed["accounts"][0]["products"] = [
        {"name": "Legacy", "deployments": [{"device_code": "old", "agent_code": ""}]}
    ]
    with EmulatorServer(seed=seed) as emu:
        api = make_api(emu)
        [product] = api.ok("GET", "/products")["data"]
        api.ok("DELETE", f"/products/{product['id']}", status=204)
        assert api.ok("GET", "/deployments")["data"] == []
        body = {
            "data": {
                "type": "product",
                "attributes": {"name": "Theirs"},
                "relationships": {"owner": {"type": "account", "id": "someone-else"}},
            }
        }
        answer = api.call("POST", "/products", body)
        assert answer.status_code == 403
        assert api.error(answer)["title"] == "Invalid Permission"
