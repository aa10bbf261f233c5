"""impCentral v5 HTTP client: auth, pagination, retries, rate limiting, typed errors."""

from impops.providers.impcentral.api.client import ImpCentralClient, strip_op_marker
from impops.providers.impcentral.api.errors import (
    ApiError,
    AuthenticationError,
    ClientValidationError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
    TransportError,
    ValidationError,
)

__all__ = [
    "ApiError",
    "AuthenticationError",
    "ClientValidationError",
    "ConflictError",
    "ImpCentralClient",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "ValidationError",
    "strip_op_marker",
]
