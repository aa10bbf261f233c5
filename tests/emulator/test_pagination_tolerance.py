"""Pagination, filters and query encodings, and tolerance of what real clients send."""

from __future__ import annotations

from typing import Any

import requests

from impops.emulator import EmulatorServer


def _make_products(api: Any, count: int) -> list[str]:
    return [api.product(f"P{i:03d}")["id"] for i in range(count)]


def test_pagination_links_and_order(api: Any) -> None:
    ids = _make_products(api, 45)
    first = api.ok("GET", "/products")
    assert len(first["data"]) == 20  # default page size
    links = first["links"]
    assert set(links) == {"self", "first", "last", "next"}  # no prev on page 1
    assert all(v.startswith(api.emu.v5_url + "/products?") for v in links.values())
    seen: list[str] = []
    url = f"{api.emu.v5_url}/products?page%5Bsize%5D=20"
    while True:  # follow links.next like the official clients do
        page = api.http.get(url, headers={"Authorization": f"Bearer {api.token}"}, timeout=10)
        body = page.json()
        seen += [p["id"] for p in body["data"]]
        if "next" not in body["links"]:
            break
        url = body["links"]["next"]
    assert seen == ids  # stable: created_at then id (creation order here)
    last = api.ok("GET", "/products?page[number]=3&page[size]=20")
    assert len(last["data"]) == 5
    assert "next" not in last["links"]
    assert "prev" in last["links"]
    assert last["links"]["last"] == last["links"]["self"]
    beyond = api.ok("GET", "/products?page[number]=9")
    assert beyond["data"] == []
    assert "next" not in beyond["links"]
    one = api.ok("GET", "/products?page[number]=1&page[size]=1")
    assert len(one["data"]) == 1


def test_page_size_clamped_and_invalid_values(api: Any) -> None:
    _make_products(api, 120)
    big = api.ok("GET", "/products?page[size]=500")
    assert len(big["data"]) == 100
    assert "page%5Bsize%5D=100" in big["links"]["next"]
    for query in ("page[size]=0", "page[number]=0", "page[size]=-1", "page[number]=x"):
        answer = api.get(f"/products?{query}")
        assert answer.status_code == 400, query
        assert api.error(answer)["code"].startswith("VX")


def test_filters_encoded_raw_and_unknown(api: Any) -> None:
    pid = api.product()["id"]
    api.group(pid, name="a")
    api.group(api.product("Other")["id"], name="b")
    raw = api.ok("GET", f"/devicegroups?filter[product.id]={pid}")["data"]
    encoded = api.ok("GET", f"/devicegroups?filter%5Bproduct.id%5D={pid}")["data"]
    assert [g["id"] for g in raw] == [g["id"] for g in encoded]
    assert len(raw) == 1
    typed = api.ok("GET", "/devicegroups?filter[type]=development_devicegroup")["data"]
    assert len(typed) == 2
    assert api.get("/devicegroups?filter[type]=bogus").status_code == 400
    unknown = api.get("/products?filter[name]=x")
    assert unknown.status_code == 400
    assert api.error(unknown)["title"] == "Invalid Filter"
    me = api.ok("GET", "/accounts/me")["data"]["id"]
    assert len(api.ok("GET", f"/products?filter%5Bowner.id%5D={me}")["data"]) == 2
    assert api.ok("GET", "/products?filter[owner.id]=someone-else")["data"] == []
    # sort/include are ignored (decision).
    assert len(api.ok("GET", "/products?sort=-name&include=owner")["data"]) == 2


def test_null_bodies_and_content_types(emulator: EmulatorServer, api: Any) -> None:
    headers = {
        "Authorization": f"Bearer {api.token}",
        "Content-Type": "application/vnd.api+json",
        "Accept": "application/json",
    }
    http = requests.Session()
    v5 = emulator.v5_url
    assert http.get(f"{v5}/products", data=b"null", headers=headers).status_code == 200
    group = api.group(api.product()["id"])
    dev = api.devices()[0]["id"]
    api.assign(group["id"], dev)
    assert (
        http.post(f"{v5}/devices/{dev}/restart", data=b"null", headers=headers).status_code == 204
    )
    opened = http.post(f"{v5}/logstream", data=b"null", headers=headers)
    assert opened.status_code == 201
    plain = {**headers, "Content-Type": "application/json", "Accept": "text/html"}
    body = b'{"data":{"type":"product","attributes":{"name":"Plain"}}}'
    created = http.post(f"{v5}/products", data=body, headers=plain)
    assert created.status_code == 201  # never 406/415
    assert created.headers["Content-Type"] == "application/vnd.api+json"
    assert (
        http.delete(
            f"{v5}/products/{created.json()['data']['id']}", data=b"null", headers=headers
        ).status_code
        == 204
    )
    broken = http.post(f"{v5}/products", data=b"{not json", headers=headers)
    assert broken.status_code == 400
    assert broken.json()["errors"][0]["detail"]


def test_relationship_forms_and_delete_bodies(api: Any) -> None:
    pid = api.product()["id"]
    wrapped = {
        "data": {
            "type": "development_devicegroup",
            "attributes": {"name": "w"},
            "relationships": {"product": {"data": {"type": "product", "id": pid}}},
        }
    }
    group = api.ok("POST", "/devicegroups", wrapped, 201)["data"]
    assert group["relationships"]["product"] == {"type": "product", "id": pid}  # emitted bare
    devs = [d["id"] for d in api.devices()[:2]]
    api.assign(group["id"], *devs)
    # DELETE with a JSON body (relationships/devices), MAC ids inside the body.
    mac = api.ok("GET", f"/devices/{devs[0]}")["data"]["attributes"]["mac_address"]
    api.ok(
        "DELETE",
        f"/devicegroups/{group['id']}/relationships/devices",
        {"data": [{"type": "device", "id": mac}, {"type": "device", "id": devs[1]}]},
        status=204,
    )


def test_unknown_routes_and_methods(emulator: EmulatorServer, api: Any) -> None:
    answer = api.get("/nothing")
    assert answer.status_code == 404
    assert api.error(answer)["code"].startswith("NF")
    assert api.call("PUT", "/products").status_code == 405
    for path in ("/mnubo/sandbox/x", "/mnubo/production/api/v3/nothing", "/mnubo/qa", "/other"):
        assert requests.get(emulator.base_url + path, timeout=10).status_code == 404
    # A Mnubo zone's base URL answers (the Python client probes it with HEAD).
    assert requests.head(emulator.base_url + "/mnubo/production", timeout=10).status_code == 200


def test_keep_alive_reuses_connections(emulator: EmulatorServer, api: Any) -> None:
    answer = api.get("/products")
    assert answer.headers["Content-Length"] == str(len(answer.content))
    assert answer.raw.version == 11
