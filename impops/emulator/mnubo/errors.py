"""Mnubo's error answers: plain-text bodies (reference §5), OAuth errors as JSON (§1.4)."""

from __future__ import annotations

from typing import Any

from impops.emulator.http.messages import HttpError, Response


def text_error(status: int, text: str) -> HttpError:
    """A 4xx/5xx with a text/plain sentence, as the real service answers model and ingestion
    errors (`Unknown field 'unknown'`); clients surface the body verbatim."""
    return HttpError(Response(status, text))


def bad(text: str) -> HttpError:
    return text_error(400, text)


def not_found(text: str) -> HttpError:
    return text_error(404, text)


def conflict(text: str) -> HttpError:
    return text_error(409, text)


def oauth_error(status: int, body: Any, headers: dict[str, str] | None = None) -> HttpError:
    """A Spring-Security-style OAuth2 error (`{"error": ..., "error_description": ...}`)."""
    return HttpError(Response(status, body, headers or {}))
