"""Faults aimed at the n-th matching request (`skip`) and held in flight (`delay_ms`)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from impops.emulator.http.faults import parse_fault


def test_skip_lets_the_first_requests_through(emulator: Any) -> None:
    emulator.admin("POST", "faults", {"method": "GET", "path": "/v5/products", "skip": 2})
    statuses = [emulator_get(emulator) for _ in range(4)]
    assert statuses == [200, 200, 503, 200]


def test_delay_holds_the_request(emulator: Any) -> None:
    emulator.admin("POST", "faults", {"method": "GET", "path": "/v5/products", "delay_ms": 300})
    start = time.monotonic()
    assert emulator_get(emulator) == 503
    assert time.monotonic() - start >= 0.3


@pytest.mark.parametrize("body", [{"skip": -1}, {"delay_ms": "x"}, {"skip": True}])
def test_bad_values_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="non-negative integer"):
        parse_fault(body)


def emulator_get(emulator: Any) -> int:
    import requests

    from impops.emulator.impcentral.seed import DEFAULT_LOGIN_KEY

    token = requests.post(
        emulator.v5_url + "/auth/token", json={"key": DEFAULT_LOGIN_KEY}, timeout=5
    ).json()["access_token"]
    answer = requests.get(
        emulator.v5_url + "/products", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    return answer.status_code
