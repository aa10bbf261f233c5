"""Client-side rate limiting and retry timing.

`RateLimiter` is a thread-safe token bucket (implemented as GCRA: one "theoretical arrival
time" instead of a token count, so a caller can reserve its slot under the lock and sleep
outside it). It also obeys the server: `X-RateLimit-Remaining: 0` or a 429 pauses every
thread until the advertised reset.

`backoff_delay` is exponential backoff with full jitter; `retry_after_seconds` reads the
server's hint (`Retry-After`, else `X-RateLimit-Reset`).
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections.abc import Callable, Mapping

# Never wait longer than this on a single server hint (a bogus header must not hang a run).
MAX_SERVER_WAIT = 60.0


class RateLimiter:
    """Token bucket: at most `rate` requests per second on average, bursts up to `burst`.

    `rate <= 0` disables the average limit; server-imposed pauses still apply.
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = float(rate)
        self.burst = max(1.0, float(burst if burst is not None else rate))
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tat = clock()  # theoretical arrival time of the next request
        self._paused_until = 0.0

    def reserve(self) -> float:
        """Take the next slot and return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            start = max(now, self._paused_until)
            if self.rate <= 0:
                return start - now
            interval = 1.0 / self.rate
            tolerance = (self.burst - 1.0) * interval
            tat = max(self._tat, start)
            allowed_at = max(tat - tolerance, start)
            self._tat = tat + interval
            wait = allowed_at - now
            return wait if wait > 1e-6 else 0.0  # ignore float noise

    def acquire(self) -> float:
        """Block until the caller may send a request; returns the seconds waited."""
        wait = self.reserve()
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Hold every request (of every thread) for `seconds` from now (capped)."""
        seconds = min(max(0.0, seconds), MAX_SERVER_WAIT)
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str]) -> None:
        """Adapt to `X-RateLimit-Remaining`/`X-RateLimit-Reset`: at 0 remaining, pause."""
        remaining = _number(headers.get("X-RateLimit-Remaining"))
        if remaining is not None and remaining <= 0:
            reset = reset_seconds(headers)
            self.pause(reset if reset is not None else 1.0)


def backoff_delay(
    attempt: int,
    base: float = 0.5,
    cap: float = 30.0,
    rng: Callable[[], float] = random.random,
) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base * 2**attempt)].

    `attempt` counts from 0 (the first retry).
    """
    ceiling = min(cap, base * (2.0 ** max(0, attempt)))
    return rng() * ceiling


def reset_seconds(headers: Mapping[str, str]) -> float | None:
    """`X-RateLimit-Reset` as seconds from now (a Unix timestamp is converted)."""
    value = _number(headers.get("X-RateLimit-Reset"))
    if value is None:
        return None
    if value > 1_000_000_000:  # an absolute epoch time, not a delta
        value = value - time.time()
    return max(0.0, value)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The server's wait hint: `Retry-After` (seconds or HTTP date), else `X-RateLimit-Reset`."""
    raw = headers.get("Retry-After")
    if raw:
        number = _number(raw)
        if number is not None:
            return max(0.0, number)
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    return reset_seconds(headers)


def _number(raw: str | None) -> float | None:
    if raw is None:
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None
