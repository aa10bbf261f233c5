"""Request counts of a live read (deterministic: they depend on the fleet's shape only)."""

from __future__ import annotations

from collections import Counter

from live_fleet import calls, seed

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.live import read_live
from impops.providers.impcentral.model import Deployment


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
