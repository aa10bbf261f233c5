"""Injected faults, latency, rate limiting and the request log of the emulator.

Faults make the emulator fail on purpose so that clients can prove they survive: a matching
request gets an error status, or its connection is dropped without a response, either
*before* the request is performed or *after* it (`after: true`: the "ambiguous failure" where
a create did land but the client never saw the answer).
"""

from __future__ import annotations

import fnmatch
import math
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

Rec = dict[str, Any]

REQUEST_LOG_LIMIT = 200_000


@dataclass
class Fault:
    method: str = "*"  # "*" or an HTTP method
    path: str = "*"  # fnmatch glob over the request path (no query), e.g. /v5/products*
    status: int = 503
    count: int = 1
    drop: bool = False  # close the connection without any response
    after: bool = False  # perform the request first, then fail/drop its response
    # Seconds for the Retry-After header of an injected 429 (issue 9: clients that honour it
    # must be testable); ignored for other statuses.
    retry_after: int = 1
    # Let this many matching requests through first: a test can aim at the n-th write.
    skip: int = 0
    # Hold the request this long before failing it (before: nothing done yet; after: done),
    # so a test can kill the client while its write is in flight.
    delay_ms: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method == "*" or self.method.upper() == method) and fnmatch.fnmatchcase(
            path, self.path
        )


def parse_fault(body: Any) -> Fault:
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    known = {"method", "path", "status", "count", "drop", "after", "retry_after", "skip"}
    unknown = set(body) - known - {"delay_ms"}
    if unknown:
        raise ValueError(f"unknown fault keys: {sorted(unknown)}")
    fault = Fault(**body)
    if not isinstance(fault.count, int) or fault.count < 1:
        raise ValueError("count must be a positive integer")
    if not isinstance(fault.status, int) or not 100 <= fault.status <= 599:
        raise ValueError("status must be an HTTP status code")
    if isinstance(fault.retry_after, bool) or not isinstance(fault.retry_after, int):
        raise ValueError("retry_after must be a non-negative integer")
    if fault.retry_after < 0:
        raise ValueError("retry_after must be a non-negative integer")
    for name in ("skip", "delay_ms"):
        value = getattr(fault, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
    return fault


def fault_headers(fault: Fault) -> dict[str, str]:
    """Headers of an injected error answer: `Retry-After` on a 429, as a real limiter sends."""
    return {"Retry-After": str(fault.retry_after)} if fault.status == 429 else {}


class Faults:
    """Pending faults; each match consumes one of the fault's `count`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self.lock:
            self.pending.append(fault)

    def clear(self) -> None:
        with self.lock:
            self.pending.clear()

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.pending:
                if fault.matches(method, path):
                    if fault.skip > 0:
                        fault.skip -= 1
                        continue
                    fault.count -= 1
                    if fault.count <= 0:
                        self.pending.remove(fault)
                    return fault
        return None

    def dump(self) -> list[Rec]:
        with self.lock:
            return [asdict(f) for f in self.pending]


class RateLimiter:
    """Fixed one-second windows per key (access token, or client IP when unauthenticated).

    Decision: `X-RateLimit-Reset` is the number of seconds until the window resets (at
    least 1), as impt's 2018 debug output suggests; 429 also carries `Retry-After`.
    """

    def __init__(self, limit: int | None) -> None:
        self.lock = threading.Lock()
        self.limit = limit
        self.windows: dict[str, tuple[int, int]] = {}  # key -> (window second, count)

    def check(self, key: str) -> tuple[bool, dict[str, str]]:
        """Count a request; returns (allowed, headers). No headers when limiting is off."""
        with self.lock:
            limit = self.limit
            if limit is None:
                return True, {}
            now = time.time()
            second = int(now)
            window, count = self.windows.get(key, (second, 0))
            if window != second:
                window, count = second, 0
            count += 1
            self.windows[key] = (window, count)
            if len(self.windows) > 10_000:  # forget idle keys
                self.windows = {k: v for k, v in self.windows.items() if v[0] == second}
        reset = max(1, math.ceil(window + 1 - now))
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, limit - count)),
            "X-RateLimit-Reset": str(reset),
        }
        if count > limit:
            headers["Retry-After"] = str(reset)
            return False, headers
        return True, headers


class RequestLog:
    """Method, path and status of every API request (any mount), for tests that count calls."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: deque[Rec] = deque(maxlen=REQUEST_LOG_LIMIT)

    def record(self, method: str, path: str, query: str, status: int, fault: str | None) -> None:
        entry: Rec = {"method": method, "path": path, "query": query, "status": status}
        if fault:
            entry["fault"] = fault
        with self.lock:
            self.entries.append(entry)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def dump(self) -> list[Rec]:
        with self.lock:
            return list(self.entries)


class Controls:
    """The knobs tests turn on a running emulator, shared by every mount: pending faults,
    latency, rate limit and the request log."""

    def __init__(self, latency_ms: int, rate_limit: int | None) -> None:
        self.faults = Faults()
        self.ratelimiter = RateLimiter(rate_limit)
        self.requests = RequestLog()
        self.latency_ms = latency_ms
        self._initial = (latency_ms, rate_limit)

    def reset(self) -> None:
        """Back to the start-up settings: no faults, empty log, initial latency and limit."""
        self.faults.clear()
        self.requests.clear()
        self.latency_ms, limit = self._initial
        with self.ratelimiter.lock:
            self.ratelimiter.limit = limit
            self.ratelimiter.windows.clear()
