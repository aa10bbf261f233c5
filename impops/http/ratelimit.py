"""Client-side rate limiting and retry timing.

`RateLimiter` is a thread-safe pacer shared by every thread of one client. It is a GCRA token
bucket (one "theoretical arrival time" instead of a token count, so a caller reserves its slot
under the lock and sleeps outside it) whose rate can be *learned* from the server:

* `X-RateLimit-Limit` (requests per window) and `X-RateLimit-Reset` (seconds to the window's
  end; the longest value seen is taken as the window) give the advertised rate. A learning
  limiter paces to `LEARNED_SHARE` of it, with a burst of `LEARNED_BURST_SHARE` of the limit,
  so that even a fixed-window server (the emulator, probably impCentral) never counts more
  than its limit in one window: 429s become the exception, not the steering signal.
* Until a limit has been advertised the limiter uses its configured `rate` (0: unpaced).
* `ceiling` caps whatever is learned (a user's `IMPOPS_RATE_LIMIT`).
* Whatever it paces at, it obeys the server: `X-RateLimit-Remaining: 0` or a 429 pauses every
  thread until the advertised reset (capped at `MAX_SERVER_WAIT`).

`backoff_delay` is exponential backoff with full jitter; `retry_after_seconds` reads the
server's hint (`Retry-After`, else `X-RateLimit-Reset`).
"""

from __future__ import annotations

import email.utils
import math
import random
import threading
import time
from collections.abc import Callable, Mapping

# Never wait longer than this on a single server hint (a bogus header must not hang a run).
MAX_SERVER_WAIT = 60.0
# Pace at this share of an advertised limit: the rest absorbs timing jitter between our clock
# and the server's windows, and requests of other tools on the same account.
LEARNED_SHARE = 0.9
# Burst allowance of a learned limit, as a share of it (at least one request). Burst plus
# LEARNED_SHARE stays below 1, so a window never sees more than the limit from us.
LEARNED_BURST_SHARE = 0.05
# Windows longer than this are not believed (a bogus Reset must not throttle a run to a crawl).
MAX_WINDOW = 60.0


class RateLimiter:
    """Paces requests of all threads: `rate` per second on average, bursts up to `burst`.

    `rate <= 0` (and nothing learned) disables the average limit; server-imposed pauses still
    apply. With `learn=True`, an advertised `X-RateLimit-Limit` replaces `rate` (see the module
    docstring), capped at `ceiling` when one is given.
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        learn: bool = False,
        ceiling: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate = float(rate)
        self.burst = max(1.0, float(burst if burst is not None else rate))
        self.learn = learn
        self.ceiling = ceiling if ceiling is not None and ceiling > 0 else None
        self.advertised: tuple[float, float] | None = None  # (limit, window seconds)
        self._fixed_burst = burst is not None
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
        """Adapt to `X-RateLimit-*`: learn the advertised rate; at 0 remaining, pause."""
        reset = reset_seconds(headers)
        if self.learn:
            self._learn(_number(headers.get("X-RateLimit-Limit")), reset)
        remaining = _number(headers.get("X-RateLimit-Remaining"))
        if remaining is not None and remaining <= 0:
            self.pause(reset if reset is not None else 1.0)

    def _learn(self, limit: float | None, reset: float | None) -> None:
        if limit is None or limit < 1:
            return
        with self._lock:
            window = self.advertised[1] if self.advertised else 1.0
            if reset is not None:
                # Reset counts down to the end of the window: the longest value seen is the
                # best estimate of the window itself (impCentral sends 1 with 40).
                window = max(window, min(math.ceil(reset), MAX_WINDOW))
            if self.advertised == (limit, window):
                return
            self.advertised = (limit, window)
            rate = LEARNED_SHARE * limit / window
            if self.ceiling is not None:
                rate = min(rate, self.ceiling)
            self.rate = rate
            if not self._fixed_burst:
                self.burst = max(1.0, math.floor(LEARNED_BURST_SHARE * limit))


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
