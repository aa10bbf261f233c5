"""Paginated lists over HTTP: exact request counts against the emulator, and pages after the
first fetched concurrently (issue 11)."""

from __future__ import annotations

from typing import Any

from impops.providers.impcentral.api import ImpCentralClient
from impops.providers.impcentral.settings import Settings

from .helpers import MakeClient, calls, log_since, request_log
from .scripted import Answer, scripted_server


def test_request_count_is_one_per_page(emulator: Any, make_client: MakeClient) -> None:
    seeder = make_client()
    pid = seeder.create_product("paged")["id"]
    for g in range(23):
        seeder.create_device_group(pid, "development_devicegroup", {"name": f"g{g:02d}"})
    client = make_client(page_size=5)
    mark = len(request_log(emulator))
    groups = client.list_device_groups({"product.id": pid})
    assert sorted(g["attributes"]["name"] for g in groups) == [f"g{g:02d}" for g in range(23)]
    pages = calls(log_since(emulator, mark), "GET", "/v5/devicegroups")
    assert len(pages) == 5  # ceil(23 / 5), no more
    numbers = sorted(
        int(q.split("page%5Bnumber%5D=")[1].split("&")[0]) if "number" in q else 1
        for q in (e["query"] for e in pages)
    )
    assert numbers == [1, 2, 3, 4, 5]


def test_empty_list_is_one_request(emulator: Any, make_client: MakeClient) -> None:
    client = make_client()
    mark = len(request_log(emulator))
    assert client.list_webhooks() == []
    assert len(calls(log_since(emulator, mark), "GET", "/v5/webhooks")) == 1


def page(url: str, n: int, last: int) -> dict[str, Any]:
    def link(k: int) -> str:
        return f"{url}/products?page%5Bnumber%5D={k}&page%5Bsize%5D=100"

    links = {"self": link(n), "first": link(1), "last": link(last)}
    if n < last:
        links["next"] = link(n + 1)
    data = [{"type": "product", "id": f"p{n}-{i}", "attributes": {"name": "x"}} for i in range(2)]
    return {"data": data, "links": links}


def test_pages_after_the_first_are_fetched_concurrently() -> None:
    with scripted_server() as script:
        script.on("GET", "/v5/products?page%5Bsize%5D=100", Answer(200, page(script.url, 1, 6)))
        for n in range(2, 7):
            path = f"/v5/products?page%5Bnumber%5D={n}&page%5Bsize%5D=100"
            script.on("GET", path, Answer(200, page(script.url, n, 6), delay=0.3))
        settings = Settings(endpoint=script.url, login_key="5c71d7e3a9b24f60", rate_limit=0)
        with ImpCentralClient(settings) as client:
            items = client.list_products()
        assert [i["id"] for i in items] == [f"p{n}-{i}" for n in range(1, 7) for i in range(2)]
        assert len(script.requests("GET")) == 6
        assert script.max_in_flight == 5  # pages 2..6 were in flight together


def test_without_last_pages_are_followed_one_by_one() -> None:
    with scripted_server() as script:
        for n in range(1, 4):
            doc = page(script.url, n, 3)
            del doc["links"]["last"]
            path = (
                "/v5/products?page%5Bsize%5D=100"
                if n == 1
                else (f"/v5/products?page%5Bnumber%5D={n}&page%5Bsize%5D=100")
            )
            script.on("GET", path, Answer(200, doc, delay=0.05))
        settings = Settings(endpoint=script.url, login_key="5c71d7e3a9b24f60", rate_limit=0)
        with ImpCentralClient(settings) as client:
            assert len(client.list_products()) == 6
        assert len(script.requests("GET")) == 3
        assert script.max_in_flight == 1
