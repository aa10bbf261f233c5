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


# --- learning the advertised limit ------------------------------------------------------------

ADVERTISED = {"X-RateLimit-Limit": "40", "X-RateLimit-Remaining": "39", "X-RateLimit-Reset": "1"}


def test_learns_the_advertised_limit_and_paces_below_it() -> None:
    clock = FakeClock()
    limiter = RateLimiter(20, learn=True, clock=clock, sleep=clock.sleep)
    limiter.observe(ADVERTISED)
    assert limiter.advertised == (40, 1)
    assert limiter.rate == pytest.approx(36.0)  # 90 % of 40 per 1 s
    assert limiter.burst == 2
    start = clock.now
    for _ in range(362):
        limiter.acquire()
    # 2 at once, then 360 at 36/s: never more than the limit in any one-second window
    assert clock.now - start == pytest.approx(10.0, abs=0.05)


def test_no_window_ever_sees_more_than_the_limit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0, learn=True, clock=clock, sleep=clock.sleep)
    limiter.observe(ADVERTISED)
    sent: list[float] = []
    for _ in range(400):
        limiter.acquire()
        sent.append(clock.now)
    worst = max(sum(1 for t in sent if s <= t < s + 1.0) for s in sent)
    assert worst <= 38  # the limit is 40: two requests of headroom for timing jitter


def test_ceiling_caps_what_is_learned() -> None:
    limiter = RateLimiter(10, learn=True, ceiling=10)
    limiter.observe(ADVERTISED)
    assert limiter.rate == 10
    generous = RateLimiter(100, learn=True, ceiling=100)
    generous.observe(ADVERTISED)
    assert generous.rate == pytest.approx(36.0)  # the server's limit wins over a higher cap


def test_window_is_the_longest_reset_seen() -> None:
    limiter = RateLimiter(0, learn=True)
    limiter.observe({"X-RateLimit-Limit": "600", "X-RateLimit-Reset": "37"})
    limiter.observe({"X-RateLimit-Limit": "600", "X-RateLimit-Reset": "60"})
    limiter.observe({"X-RateLimit-Limit": "600", "X-RateLimit-Reset": "12"})
    assert limiter.advertised == (600, 60)
    assert limiter.rate == pytest.approx(9.0)


def test_bogus_or_missing_headers_change_nothing() -> None:
    limiter = RateLimiter(20, learn=True)
    for headers in ({}, {"X-RateLimit-Limit": "lots"}, {"X-RateLimit-Limit": "0"}):
        limiter.observe(headers)
    assert (limiter.rate, limiter.advertised) == (20, None)


def test_not_learning_ignores_the_limit_but_obeys_remaining_zero() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0, clock=clock, sleep=clock.sleep)
    limiter.observe(ADVERTISED)
    assert (limiter.rate, limiter.advertised) == (0, None)
    limiter.observe({**ADVERTISED, "X-RateLimit-Remaining": "0"})
    assert limiter.reserve() == pytest.approx(1.0)
