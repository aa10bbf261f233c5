"""Timeouts and the per-call deadline: a hung server fails the call in about `IMPOPS_TIMEOUT`
seconds, naming the call (issue 9: it took 188 s with the old defaults)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from impops.http.ratelimit import RateLimiter
from impops.http.transport import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_DEADLINE,
    DEFAULT_READ_TIMEOUT,
    Transport,
    TransportFailure,
    TransportOptions,
)
from impops.providers.impcentral.api import ImpCentralClient, TransportError
from impops.providers.impcentral.settings import Settings

from .scripted import Answer, Script, scripted_server

KEY = "5c71d7e3a9b24f60"


@pytest.fixture
def hung_url() -> Iterator[str]:
    """A socket on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(conn)  # hold it open, read nothing, answer nothing

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v5"
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_hung_server_fails_within_the_deadline_naming_the_call(hung_url: str) -> None:
    settings = Settings(endpoint=hung_url, login_key=KEY, timeout=1.5)
    client = ImpCentralClient(settings, backoff_base=0.05)
    started = time.monotonic()
    with client, pytest.raises(TransportError) as caught:
        client.list_products()
    elapsed = time.monotonic() - started
    assert 1.2 <= elapsed < 2.5
    message = str(caught.value)
    # the first call of a run is the token exchange: that is the call that hangs
    assert message.startswith("impCentral POST /auth/token: no answer: read timed out (")
    assert "the per-call deadline" in message
    assert KEY not in message


def test_slow_answer_fails_within_the_deadline_naming_the_call() -> None:
    with scripted_server() as script:
        script.on("GET", "/v5/products?page%5Bsize%5D=100", Answer(200, {}, delay=3))
        settings = Settings(endpoint=script.url, login_key=KEY, rate_limit=0, timeout=1)
        with ImpCentralClient(settings, backoff_base=0.01) as client:
            started = time.monotonic()
            with pytest.raises(TransportError, match=r"^impCentral GET /products: no answer"):
                client.list_products()
            assert time.monotonic() - started < 1.8
        # read timeout 1 / 2.25 = 0.44 s: two attempts fit in the second, a third is cut short
        assert 2 <= len(script.requests("GET")) <= 3


def test_retry_waits_do_not_run_past_the_deadline() -> None:
    """A Retry-After longer than what is left ends the call with the 429, at once."""
    with scripted_server() as script:
        limited = Answer(429, {"errors": [{"title": "Too Many Requests"}]}, {"Retry-After": "30"})
        script.on("GET", "/v5/devices/d1", limited)
        settings = Settings(endpoint=script.url, login_key=KEY, rate_limit=0, timeout=2)
        with ImpCentralClient(settings) as client:
            started = time.monotonic()
            with pytest.raises(Exception, match="429"):
                client.get_device("d1")
            assert time.monotonic() - started < 1.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_default_budget_arithmetic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a server that never answers, the defaults give: 5 s connect / 20 s read per
    attempt, two full attempts, a third cut to what is left, failure at 45 s."""
    clock = FakeClock()
    options = TransportOptions(sleep=clock.sleep, rng=lambda: 1.0)  # the longest backoff
    transport = Transport(
        "https://api.example.com/v5",
        RateLimiter(0, clock=clock, sleep=clock.sleep),
        options,
        clock=clock,
    )
    timeouts: list[tuple[float, float]] = []

    def hang(*args: Any, timeout: tuple[float, float], **kwargs: Any) -> None:
        timeouts.append(timeout)
        clock.now += timeout[1]  # connected at once, then no byte until the read timeout
        raise requests.exceptions.ReadTimeout("read timed out")

    monkeypatch.setattr(transport._session, "request", hang)
    with pytest.raises(TransportFailure) as caught:
        transport.send("GET", "/products")
    assert (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_DEADLINE) == (5.0, 20.0, 45.0)
    # attempt 1: 20 s, backoff 0.5 s, attempt 2: 20 s, backoff 1 s, attempt 3: the 3.5 s left
    assert timeouts == [(5.0, 20.0), (5.0, 20.0), (3.5, pytest.approx(3.5))]
    assert clock.now == pytest.approx(45.0)
    failure = caught.value.failure
    assert (failure.attempts, failure.deadline_hit) == (3, True)
    assert str(caught.value) == "read timed out (3 attempts in 45.0 s, the per-call deadline)"


def test_settings_derive_the_attempt_timeouts() -> None:
    default = Settings(login_key=KEY)
    assert (default.timeout, default.read_timeout, default.connect_timeout) == (45.0, 20.0, 5.0)
    slow = Settings.from_env({"IMPOPS_LOGIN_KEY": KEY, "IMPOPS_TIMEOUT": "90"})
    assert (slow.timeout, slow.read_timeout, slow.connect_timeout) == (90.0, 40.0, 5.0)
    quick = Settings.from_env({"IMPOPS_LOGIN_KEY": KEY, "IMPOPS_TIMEOUT": "4.5"})
    assert (quick.read_timeout, quick.connect_timeout) == (2.0, 2.0)
    client = ImpCentralClient(slow)
    try:
        opts = client._transport.options
        assert (opts.deadline, opts.timeout, opts.connect_timeout) == (90.0, 40.0, 5.0)
    finally:
        client.close()


def test_a_401_renewal_shares_the_call_budget(script_with_401: Script) -> None:
    settings = Settings(endpoint=script_with_401.url, login_key=KEY, rate_limit=0, timeout=5)
    with ImpCentralClient(settings) as client:
        assert client.get_device("d1")["id"] == "d1"


@pytest.fixture
def script_with_401() -> Iterator[Script]:
    with scripted_server() as script:
        device = {"data": {"type": "device", "id": "d1", "attributes": {}}}
        script.on("GET", "/v5/devices/d1", Answer(401), Answer(200, device))
        yield script
