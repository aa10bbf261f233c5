"""Typed Mnubo errors: `Mnubo <zone> <METHOD> <path>: <status> <text>`, never a secret.

Mnubo answers errors with plain-text bodies ("Unknown field 'x'"), which are kept verbatim
(scrubbed) as `detail`. Paths carry model keys and device ids, never credentials.
"""

from __future__ import annotations

from impops.errors import ImpopsError
from impops.redact import scrub


class MnuboError(ImpopsError):
    """A Mnubo call failed. `status` is None when no HTTP answer was received."""

    def __init__(
        self,
        status: int | None,
        detail: str,
        *,
        zone: str = "",
        method: str = "",
        path: str = "",
        attempts: int = 1,
    ) -> None:
        self.status = status
        self.detail = scrub(detail)
        self.zone = zone
        self.method = method
        self.path = scrub(path)
        self.attempts = attempts
        head = " ".join(p for p in ("Mnubo", zone, method, self.path) if p)
        code = f" {status}" if status is not None else ""
        tries = f" (after {attempts} attempts)" if attempts > 1 else ""
        super().__init__(scrub(f"{head}:{code} {self.detail}{tries}"))


class MnuboAuthError(MnuboError):
    """Credentials or token refused (401/403)."""


class MnuboNotFoundError(MnuboError):
    """404: the key or route does not exist (model writes in production also answer 404)."""


class MnuboConflictError(MnuboError):
    """409: the key already exists."""


class MnuboRequestError(MnuboError):
    """400 or another 4xx: the request was refused with a reason."""


class MnuboUnavailableError(MnuboError):
    """502/503/504 that outlived the retries, or no HTTP answer at all (timeout, refused)."""


def for_status(status: int) -> type[MnuboError]:
    if status in (401, 403):
        return MnuboAuthError
    if status == 404:
        return MnuboNotFoundError
    if status == 409:
        return MnuboConflictError
    if status >= 500:
        return MnuboUnavailableError
    return MnuboRequestError
