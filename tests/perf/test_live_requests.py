"""Request counts of a live read (deterministic: they depend on the fleet's shape only)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.live import read_live
from impops.providers.impcentral.model import Deployment
from impops.providers.impcentral.settings import Settings

LOGIN_KEY = "0123456789abcdef"


@pytest.fixture
def client(emulator: EmulatorServer) -> Iterator[ImpCentralClient]:
    settings = Settings(endpoint=emulator.v5_url, login_key=LOGIN_KEY, rate_limit=0)
    with ImpCentralClient(settings, page_size=5) as c:
        yield c


def seed(client: ImpCentralClient, products: int, groups: int, history: int) -> list[str]:
    names = [f"p{p}" for p in range(products)]
    for name in names:
        pid = client.create_product(name)["id"]
        for g in range(groups):
            group = client.create_device_group(pid, "development_devicegroup", {"name": f"g{g}"})
            for h in range(history):
                code = f"// {name} g{g} r{h}\n"
                attributes = {"agent_code": code, "device_code": code}
                client.create_deployment(group["id"], group["type"], attributes)
            client.create_webhook(
                group["id"],
                group["type"],
                {
                    "event": "deployment",
                    "url": f"https://h.example.com/{name}/{g}",
                    "content_type": "application/json",
                },
            )
    return names


def calls(emulator: EmulatorServer) -> Counter[str]:
    data: Any = emulator.admin("GET", "requests")
    found: Counter[str] = Counter()
    for e in data["requests"]:
        path = str(e["path"])
        if "/auth" in path or "/_emulator" in path:
            continue
        query = str(e.get("query", ""))
        scoped = "product.id" in query or "devicegroup.owner.id" in query
        found[f"{e['method']} {path}{' (per product)' if scoped else ''}"] += 1
    return found


def test_all_products_managed_reads_account_wide_lists(
    emulator: EmulatorServer, client: ImpCentralClient
) -> None:
    """3 products x 4 groups x 3 deployments at page size 5: one list per kind, each paged."""
    names = seed(client, 3, 4, 3)
    device_pages = -(-len(client.list_devices()) // 5)  # the emulator's seed has a few
    emulator.admin("DELETE", "requests")
    state = read_live(client, names)
    counts = calls(emulator)
    assert counts == Counter(
        {
            "GET /v5/products": 1,
            "GET /v5/devicegroups": 3,  # 12 groups, 5 a page
            "GET /v5/webhooks": 3,  # 12 webhooks
            "GET /v5/deployments": 8,  # 36 deployments
            "GET /v5/devices": device_pages,  # assigned and unassigned devices alike
        }
    )
    deployments = [r for r in state.resources.values() if isinstance(r, Deployment)]
    assert len(deployments) == 12
    assert all(d.agent_code.endswith("r2\n") for d in deployments)  # the current ones


def test_a_minority_of_managed_products_is_read_per_product(
    emulator: EmulatorServer, client: ImpCentralClient
) -> None:
    """1 managed product of 3: per-product lists, so other products' objects are never read."""
    names = seed(client, 3, 2, 1)
    unassigned_pages = -(-len(client.list_devices({"devicegroup.owner.id": "null"})) // 5)
    emulator.admin("DELETE", "requests")
    state = read_live(client, names[:1])
    counts = calls(emulator)
    assert counts["GET /v5/devicegroups (per product)"] == 1
    # the product's (no devices: one empty page), then the unassigned devices
    assert counts["GET /v5/devices (per product)"] == 1 + unassigned_pages
    assert counts["GET /v5/devicegroups"] == counts["GET /v5/devices"] == 0
    # 2 current deployments: one GET each beats listing the product's deployments
    assert counts["GET /v5/deployments/{id}"] == 0
    assert sum(v for k, v in counts.items() if k.startswith("GET /v5/deployments/")) == 2
    assert {r.product for r in state.resources.values() if hasattr(r, "product")} == {"p0"}


def test_keep_drops_history_page_by_page(client: ImpCentralClient) -> None:
    names = seed(client, 1, 2, 4)
    assert names
    every = client.list_deployments()
    newest = {d["id"] for d in every if d["attributes"]["agent_code"].endswith("r3\n")}
    kept = client.list_deployments(keep=lambda d: d["id"] in newest)
    assert len(every) == 8
    assert {d["id"] for d in kept} == newest
