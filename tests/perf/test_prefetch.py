"""The prefetched account-wide lists answer a live read exactly as the API would have.

`Prefetch` sends the reader's own unfiltered calls before the reader asks (see
impops/providers/impcentral/prefetch.py). Against the emulator over HTTP: the state read
through a prefetch equals the state read without one, no request is made twice, and a project
managing a minority of the account's products prefetches nothing but the product list.
"""

from __future__ import annotations

from collections import Counter

from live_fleet import calls, seed

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.live import read_live
from impops.providers.impcentral.prefetch import LISTS, Prefetch, PrefetchedReader


def _read(client: ImpCentralClient, names: list[str], product_files: int | None) -> object:
    if product_files is None:
        return read_live(client, names)
    prefetch = Prefetch(client, product_files)
    try:
        return read_live(PrefetchedReader(client, prefetch), names)
    finally:
        prefetch.close()


def test_a_prefetched_read_equals_a_direct_one_with_the_same_requests(
    emulator: EmulatorServer, client: ImpCentralClient
) -> None:
    names = seed(client, 3, 4, 3)
    emulator.admin("DELETE", "requests")
    direct = read_live(client, names)
    direct_calls = calls(emulator)
    emulator.admin("DELETE", "requests")
    prefetched = _read(client, names, product_files=3)
    assert calls(emulator) == direct_calls  # the same calls, none of them twice
    assert direct_calls["GET /v5/devicegroups"] > 1  # paged: a real account-wide read
    assert prefetched.resources == direct.resources  # type: ignore[attr-defined]
    assert prefetched.ids == direct.ids  # type: ignore[attr-defined]


def test_each_answer_is_served_once(emulator: EmulatorServer, client: ImpCentralClient) -> None:
    names = seed(client, 2, 10, 1)  # 20 current deployments: listed, not fetched one by one
    prefetch = Prefetch(client, product_files=2)
    try:
        read_live(PrefetchedReader(client, prefetch), names)
        assert [prefetch.take(name) for name in ("list_products", *LISTS)] == [None] * 5
    finally:
        prefetch.close()


def test_a_minority_project_prefetches_only_the_product_list(
    emulator: EmulatorServer, client: ImpCentralClient
) -> None:
    names = seed(client, 3, 2, 1)
    emulator.admin("DELETE", "requests")
    prefetch = Prefetch(client, product_files=1)
    prefetch.take("list_products")  # the background read is over once this is answered
    assert calls(emulator) == Counter({"GET /v5/products": 1})
    assert all(prefetch.take(name) is None for name in LISTS)
    prefetch.close()
    emulator.admin("DELETE", "requests")
    direct = read_live(client, names[:1])
    direct_calls = calls(emulator)
    emulator.admin("DELETE", "requests")
    assert _read(client, names[:1], product_files=1).resources == direct.resources  # type: ignore[attr-defined]
    assert calls(emulator) == direct_calls
