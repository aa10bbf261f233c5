"""Token bucket, server-driven pauses and backoff computation (fake clock, no sleeping)."""

from __future__ import annotations

import threading

import pytest

from impops.http.ratelimit import (
    MAX_SERVER_WAIT,
    RateLimiter,
    backoff_delay,
    reset_seconds,
    retry_after_seconds,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_burst_then_steady_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, burst=5, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(5)]
    assert waits == [0, 0, 0, 0, 0]
    # the sixth request has to wait one interval
    assert limiter.acquire() == pytest.approx(0.1)
    assert limiter.acquire() == pytest.approx(0.1)


def test_average_rate_over_many_requests() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, clock=clock, sleep=clock.sleep)
    start = clock.now
    for _ in range(220):
        limiter.acquire()
    # 20 burst + 200 at 20/s = 10 s
    assert clock.now - start == pytest.approx(10.0, abs=0.06)


def test_idle_time_refills_only_up_to_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, burst=2, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.acquire()
    clock.now += 100  # long idle
    assert [limiter.reserve() for _ in range(2)] == [0, 0]
    assert limiter.reserve() > 0


def test_disabled_limiter_still_honours_pause() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(100)] == [0] * 100
    limiter.pause(2.0)
    assert limiter.acquire() == pytest.approx(2.0)


def test_pause_is_capped() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0, clock=clock, sleep=clock.sleep)
    limiter.pause(10_000)
    assert limiter.reserve() == pytest.approx(MAX_SERVER_WAIT)


def test_observe_remaining_zero_pauses_until_reset() -> None:
    clock = FakeClock()
    limiter = RateLimiter(100, clock=clock, sleep=clock.sleep)
    limiter.observe({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "3"})
    assert limiter.reserve() == 0
    limiter.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3"})
    assert limiter.reserve() == pytest.approx(3.0)


def test_threads_get_distinct_slots() -> None:
    clock = FakeClock()  # frozen: every thread reserves at the same instant
    limiter = RateLimiter(1000, burst=1, clock=clock, sleep=clock.sleep)
    waits: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        w = limiter.reserve()
        with lock:
            waits.append(w)

    threads = [threading.Thread(target=work) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # each reservation is one interval (1 ms) after the previous one: no slot is shared
    assert sorted(round(w * 1000) for w in waits) == list(range(50))


@pytest.mark.parametrize("attempt", [0, 1, 2, 5, 10, 50])
def test_backoff_full_jitter_bounds(attempt: int) -> None:
    ceiling = min(30.0, 0.5 * 2**attempt)
    assert backoff_delay(attempt, rng=lambda: 0.0) == 0.0
    assert backoff_delay(attempt, rng=lambda: 0.999999) == pytest.approx(ceiling, rel=1e-5)
    assert 0 <= backoff_delay(attempt) <= ceiling


def test_backoff_grows_exponentially() -> None:
    ceilings = [backoff_delay(a, base=1, cap=1000, rng=lambda: 1.0) for a in range(5)]
    assert ceilings == [1, 2, 4, 8, 16]


def test_retry_after_seconds() -> None:
    assert retry_after_seconds({"Retry-After": "2"}) == 2.0
    assert retry_after_seconds({"Retry-After": "0.5"}) == 0.5
    assert retry_after_seconds({"X-RateLimit-Reset": "1"}) == 1.0
    assert retry_after_seconds({"Retry-After": "3", "X-RateLimit-Reset": "1"}) == 3.0
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"Retry-After": "garbage"}) is None
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    assert retry_after_seconds({"Retry-After": past}) == 0.0


def test_reset_as_epoch_timestamp() -> None:
    import time

    value = reset_seconds({"X-RateLimit-Reset": str(int(time.time()) + 5)})
    assert value is not None
    assert 3 <= value <= 6
