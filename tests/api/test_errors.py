"""Error mapping from a status and a JSON:API body; message format; scrubbing."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from impops import redact
from impops.errors import ImpopsError
from impops.providers.impcentral.api import errors as e


def body(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"errors": list(entries)}


@pytest.mark.parametrize(
    ("status", "path", "cls"),
    [
        (400, "/products", e.ValidationError),
        (422, "/products", e.ValidationError),
        (401, "/products", e.AuthenticationError),
        (401, "/auth", e.AuthenticationError),
        (403, "/auth", e.AuthenticationError),
        (403, "/auth/token", e.AuthenticationError),
        (403, "/devicegroups", e.PermissionDeniedError),
        (404, "/products/x", e.NotFoundError),
        (409, "/products", e.ConflictError),
        (429, "/products", e.RateLimitedError),
        (500, "/products", e.ServerError),
        (503, "/products", e.ServerError),
        (418, "/products", e.ApiError),
    ],
)
def test_status_mapping(status: int, path: str, cls: type[e.ApiError]) -> None:
    err = e.error_from_response(status, None, method="GET", path=path)
    assert type(err) is cls
    assert isinstance(err, ImpopsError)
    assert err.status == status


def test_message_format_and_fields() -> None:
    err = e.error_from_response(
        409,
        body(
            {
                "status": "409",
                "code": "CX001",
                "title": "Duplicate Resource",
                "detail": "Products must have unique names.",
            }
        ),
        method="POST",
        path="/products",
    )
    assert str(err) == (
        "impCentral POST /products: 409 Duplicate Resource: Products must have unique names."
    )
    assert (err.title, err.detail, err.code, err.method, err.path) == (
        "Duplicate Resource",
        "Products must have unique names.",
        "CX001",
        "POST",
        "/products",
    )


def test_without_error_body_uses_reason_phrase() -> None:
    err = e.error_from_response(503, "<html>", method="GET", path="/products")
    assert str(err) == "impCentral GET /products: 503 Service Unavailable"


def test_validation_error_keeps_all_entries() -> None:
    entries = [
        {"status": "404", "title": "Not Found", "detail": f"device d{i} not found"}
        for i in range(8)
    ]
    err = e.error_from_response(
        400, body(*entries), method="POST", path="/devicegroups/g/relationships/devices"
    )
    assert isinstance(err, e.ValidationError)
    assert len(err.errors) == 8
    assert err.all_not_found()
    assert "device d0 not found" in str(err)
    assert "device d1 not found" in str(err)
    assert "and 2 more" in str(err)


def test_not_all_not_found() -> None:
    err = e.error_from_response(
        400, body({"status": 404}, {"status": "400"}), method="POST", path="/x"
    )
    assert isinstance(err, e.ValidationError)
    assert not err.all_not_found()


def test_messages_are_scrubbed() -> None:
    redact.register("s3cr3t-token-value")
    err = e.error_from_response(
        401,
        body({"title": "Bad token", "detail": "token s3cr3t-token-value expired"}),
        method="GET",
        path="/products/s3cr3t-token-value",
    )
    assert "s3cr3t-token-value" not in str(err)
    assert "s3cr3t-token-value" not in err.path
    assert "s3cr3t-token-value" not in err.detail


def test_transport_error_without_status() -> None:
    err = e.TransportError(None, "request failed", "read timed out", method="GET", path="/x")
    assert str(err) == "impCentral GET /x: request failed: read timed out"


def test_client_validation_error_is_value_error() -> None:
    err = e.ClientValidationError("missing name")
    assert isinstance(err, ValueError)
    assert isinstance(err, e.ValidationError)
    assert err.status is None
    assert str(err) == "impCentral: Invalid request: missing name"


def test_pickle_roundtrip() -> None:
    err = e.error_from_response(
        404, body({"title": "Not Found", "detail": "no"}), method="GET", path="/p"
    )
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is e.NotFoundError
    assert str(copy) == str(err)
    assert copy.status == 404
