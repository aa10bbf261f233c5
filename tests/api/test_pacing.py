"""Pacing against the emulator's rate limit: the client learns the advertised limit, shares it
between its threads and reads without answers of 429 (issue 11)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from impops.providers.impcentral.api import ImpCentralClient
from impops.providers.impcentral.settings import Settings

from .helpers import LOGIN_KEY, MakeClient, log_since, request_log


def seed_groups(client: ImpCentralClient, products: int, groups: int) -> list[str]:
    ids = []
    for p in range(products):
        pid = client.create_product(f"pace-{p}")["id"]
        ids.append(pid)
        for g in range(groups):
            client.create_device_group(pid, "development_devicegroup", {"name": f"g{g}"})
    return ids


def test_concurrent_reads_under_the_advertised_limit_see_no_429(
    emulator: Any, make_client: MakeClient
) -> None:
    product_ids = seed_groups(make_client(), products=4, groups=40)
    emulator.admin("POST", "ratelimit", {"limit": 40})
    # the default settings: nothing configured, the limit must be learned
    client = ImpCentralClient(Settings(endpoint=emulator.v5_url, login_key=LOGIN_KEY), page_size=5)
    mark = len(request_log(emulator))
    with client, ThreadPoolExecutor(max_workers=8) as pool:
        jobs = [pool.submit(client.list_device_groups, {"product.id": p}) for p in product_ids]
        jobs += [pool.submit(client.list_device_groups) for _ in range(2)]
        lists = [job.result() for job in jobs]
        assert client.limiter.advertised == (40, 1)
    assert [len(x) for x in lists] == [40, 40, 40, 40, 160, 160]
    entries = [e for e in log_since(emulator, mark) if "/auth" not in e["path"]]
    # 4 lists of 8 pages and 2 of 32: more than two seconds' worth of the limit
    assert len(entries) == 4 * 8 + 2 * 32
    assert [e for e in entries if e["status"] == 429] == []


def test_bursting_client_meets_429s_that_the_learning_one_avoids(
    emulator: Any, make_client: MakeClient
) -> None:
    """The control: with pacing off the same read does provoke 429s (and survives them)."""
    seed_groups(make_client(), products=1, groups=60)
    emulator.admin("POST", "ratelimit", {"limit": 10})
    client = make_client(rate_limit=0, page_size=2, max_retries=10)
    mark = len(request_log(emulator))
    assert len(client.list_device_groups()) == 60
    statuses = [e["status"] for e in log_since(emulator, mark) if "/auth" not in e["path"]]
    assert statuses.count(200) == 30
    assert statuses.count(429) > 0
