"""Typed impCentral API errors.

Every failure of `ImpCentralClient` is an `ApiError` subclass, so callers can catch one type and
still branch on what went wrong. Messages follow one format,
`impCentral <METHOD> <path>: <status> <title>: <detail>`, and are passed through
`impops.redact.scrub` when built: paths never carry secrets, but server text might echo one.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from impops.errors import ImpopsError
from impops.http.transport import Failure, describe_failure
from impops.redact import scrub

# Extra `errors[]` entries shown in a message beyond the first (all are kept in `.errors`).
_MAX_EXTRA_IN_MESSAGE = 5

AUTH_PATHS = ("/auth", "/auth/token")


class ApiError(ImpopsError):
    """An impCentral call failed. `status` is None when no HTTP response was received."""

    def __init__(
        self,
        status: int | None,
        title: str,
        detail: str = "",
        *,
        code: str = "",
        method: str = "",
        path: str = "",
        errors: list[dict[str, Any]] | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.status = status
        self.title = scrub(title)
        self.detail = scrub(detail)
        self.code = code
        self.method = method
        self.path = scrub(path)
        self.errors: list[dict[str, Any]] = list(errors or [])
        self.retry_after = retry_after
        self.attempts = attempts
        super().__init__(self._message())

    def _message(self) -> str:
        head = " ".join(part for part in ("impCentral", self.method, self.path) if part) + ":"
        status = f" {self.status}" if self.status is not None else ""
        text = f"{head}{status} {self.title}"
        if self.detail:
            text += f": {self.detail}"
        extra = [_entry_text(e) for e in self.errors[1:]]
        extra = [e for e in dict.fromkeys(extra) if e]
        if extra:
            shown = extra[:_MAX_EXTRA_IN_MESSAGE]
            more = len(extra) - len(shown)
            text += "; " + "; ".join(shown) + (f"; and {more} more" if more else "")
        return scrub(text)

    def __reduce__(self) -> Any:  # keep pickling (e.g. across processes) working
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls: type[ApiError], state: dict[str, Any]) -> ApiError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, err._message())
    return err


class AuthenticationError(ApiError):
    """Credentials or token rejected (401; 401/403 on the auth endpoints); 2FA needs an OTP."""


class PermissionDeniedError(ApiError):
    """403: the account may not do this (e.g. `Invalid Permission` for production groups)."""


class NotFoundError(ApiError):
    """404: no such object (ids are scoped by type)."""


class ConflictError(ApiError):
    """409: a constraint (duplicate name, dependent groups, flagged deployment, ...)."""


class ValidationError(ApiError):
    """400/422: the request was invalid; `errors` holds every `errors[]` entry the server sent."""

    def all_not_found(self) -> bool:
        """True for the multi-device shape: 400 whose every entry has status 404."""
        return bool(self.errors) and all(
            str(e.get("status", "")).strip() == "404" for e in self.errors
        )


class ClientValidationError(ValidationError, ValueError):
    """Rejected on the client side, before any HTTP call (mirrors the official Node client)."""

    def __init__(self, detail: str, *, method: str = "", path: str = "") -> None:
        super().__init__(None, "Invalid request", detail, method=method, path=path)


class RateLimitedError(ApiError):
    """429 after every retry; `retry_after` holds the server's last hint in seconds, if any."""


class ServerError(ApiError):
    """5xx from impCentral."""


class TransportError(ApiError):
    """No usable HTTP response: connection refused or dropped, timeout, TLS failure, bad JSON."""

    @classmethod
    def from_failure(cls, failure: Failure) -> TransportError:
        """The error for a request the shared transport could not complete."""
        return cls(
            None,
            "no answer",
            describe_failure(failure),
            method=failure.method,
            path=failure.path,
            attempts=failure.attempts,
        )


class UnexpectedAnswerError(TransportError):
    """A 2xx answer whose body is not what the contract says: not JSON, or a wrong shape.

    It is a `TransportError` because what happened on the server is unknown (a create that
    got such an answer is looked up before it is retried). The message names the request
    and the first mismatch: ``unexpected answer from impCentral to GET /devicegroups: `data`
    is not a list``.
    """

    def __init__(
        self, status: int | None, problem: str, *, method: str, path: str, attempts: int = 1
    ) -> None:
        self.problem = scrub(problem)
        super().__init__(
            status, "unexpected answer", problem, method=method, path=path, attempts=attempts
        )

    def _message(self) -> str:
        return scrub(
            f"unexpected answer from impCentral to {self.method} {self.path}: {self.problem}"
        )


def _entry_text(entry: Mapping[str, Any]) -> str:
    title = str(entry.get("title") or "").strip()
    detail = str(entry.get("detail") or "").strip()
    return f"{title}: {detail}" if title and detail else (title or detail)


def error_class(status: int, path: str = "") -> type[ApiError]:
    """The `ApiError` subclass for an HTTP status (auth endpoints map 401/403 to auth errors)."""
    bare = path.split("?", 1)[0].rstrip("/")
    if status in (401, 403) and bare in AUTH_PATHS:
        return AuthenticationError
    if status == 401:
        return AuthenticationError
    if status == 403:
        return PermissionDeniedError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status in (400, 422):
        return ValidationError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    return ApiError


def error_from_response(
    status: int,
    body: object,
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
    attempts: int = 1,
) -> ApiError:
    """Build the typed error for a non-2xx response from its status and parsed JSON body.

    The first `errors[]` entry supplies `title`, `detail` and `code`; without a JSON:API error
    body the HTTP reason phrase is the title.
    """
    entries: list[dict[str, Any]] = []
    if isinstance(body, Mapping):
        raw = body.get("errors")
        if isinstance(raw, list):
            entries = [dict(e) for e in raw if isinstance(e, Mapping)]
    first = entries[0] if entries else {}
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "HTTP error"
    title = str(first.get("title") or "").strip() or phrase
    detail = str(first.get("detail") or "").strip()
    code = str(first.get("code") or "").strip()
    cls = error_class(status, path)
    return cls(
        status,
        title,
        detail,
        code=code,
        method=method,
        path=path,
        errors=entries,
        retry_after=retry_after,
        attempts=attempts,
    )
