"""The apply lock takes every product's lock in one concurrent round, and still never deadlocks.

Against the emulator over HTTP with the real client. Concurrency is shown without timing: a
barrier that every create must reach before any may go on breaks (and the test fails) when
the creates run one after another.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from impops.providers.impcentral.api import ImpCentralClient
from impops.providers.impcentral.lock import LOCK_GROUP, ApplyLock, LockHeldError

PRODUCTS = ("p1", "p2", "p3")


def _products(client: ImpCentralClient) -> dict[str, str]:
    return {name: str(client.create_product(name)["id"]) for name in PRODUCTS}


def _locked(client: ImpCentralClient) -> set[str]:
    """Names of the products whose lock group exists now."""
    names = {str(p["id"]): p["attributes"]["name"] for p in client.list_products()}
    return {
        names[g["relationships"]["product"]["id"]]
        for g in client.list_device_groups()
        if g["attributes"]["name"] == LOCK_GROUP
    }


class _Barrier:
    """Wraps the client: every `create_device_group` waits until `parties` of them arrived."""

    def __init__(self, client: ImpCentralClient, parties: int) -> None:
        self._client = client
        self._barrier = threading.Barrier(parties, timeout=10)

    def create_device_group(self, *args: Any, **kwargs: Any) -> Any:
        self._barrier.wait()  # BrokenBarrierError (the test fails) if the creates are serial
        return self._client.create_device_group(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_every_product_is_locked_in_one_concurrent_round(client: ImpCentralClient) -> None:
    products = _products(client)
    lock = ApplyLock(_Barrier(client, len(PRODUCTS)))  # type: ignore[arg-type]
    lock.acquire(products)
    assert set(lock.held) == set(PRODUCTS)
    assert _locked(client) == set(PRODUCTS)
    lock.release()
    assert lock.held == {}
    assert _locked(client) == set()


def test_waiting_holds_nothing_that_sorts_after_the_held_product(client: ImpCentralClient) -> None:
    products = _products(client)
    other = ApplyLock(client, holder="other apply")
    other.acquire({"p2": products["p2"]})
    seen: list[tuple[set[str], set[str]]] = []

    def sleep(_: float) -> None:
        # While this apply waits for p2 it holds p1 only: p3, taken in the first round, was
        # given back, so an apply holding p3 and waiting for p2's holder cannot deadlock us.
        seen.append((set(mine.held), _locked(client)))
        other.release()

    mine = ApplyLock(client, holder="this apply", sleep=sleep)
    mine.acquire(products, timeout=30)
    assert seen == [({"p1"}, {"p1", "p2"})]
    assert set(mine.held) == set(PRODUCTS)
    mine.release()
    assert _locked(client) == set()


def test_a_held_lock_past_the_timeout_leaves_nothing_behind(client: ImpCentralClient) -> None:
    products = _products(client)
    other = ApplyLock(client, holder="other apply")
    other.acquire({"p3": products["p3"]})
    mine = ApplyLock(client, holder="this apply", sleep=lambda _: None)
    with pytest.raises(LockHeldError, match="'p3' is locked by another apply: held by other"):
        mine.acquire(products, timeout=0)
    assert mine.held == {}
    assert _locked(client) == {"p3"}
