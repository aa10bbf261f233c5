"""OAuth2 client credentials per zone (`POST /oauth/token`) and the bearer check on `/api/v3`.

The Python, Java and .NET clients send `grant_type` and `scope` in the query string with no
body; Go, JS and the imp agent library send them as a form body (reference §1.2): both are
accepted, and `scope` defaults to `ALL` (the old `mnubo` package sends none). A zone's tokens
and clients are its own: a sandbox token is refused in production (per-environment
credentials, §1.1). Bodies of 401s are configurable in the seed because the real ones are
unknown (§1.4).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import time
import uuid
from urllib.parse import parse_qsl

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.errors import oauth_error
from impops.emulator.mnubo.state import Ctx
from impops.emulator.mnubo.vocabulary import SCOPES


def _basic(req: Request) -> tuple[str, str] | None:
    scheme, _, value = (req.header("authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        # .NET encodes the pair as ISO-8859-1, the others as UTF-8: latin-1 reads both bytes.
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        try:
            decoded = base64.b64decode(value.strip()).decode("latin-1")
        except binascii.Error:
            return None
    client, sep, secret = decoded.partition(":")
    return (client, secret) if sep else None


def token(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    form = dict(parse_qsl(req.raw.decode("utf-8", errors="replace"), keep_blank_values=True))
    fields = {**form, **req.query}
    pair = _basic(req)
    clients = ctx.state.clients[ctx.zone.name]
    if pair is None or clients.get(pair[0]) is None or clients[pair[0]] != pair[1]:
        raise oauth_error(
            401, ctx.state.unauthorized_body, {"WWW-Authenticate": 'Basic realm="oauth2"'}
        )
    grant = fields.get("grant_type")
    if grant != "client_credentials":
        raise oauth_error(
            400,
            {
                "error": "unsupported_grant_type",
                "error_description": f"Unsupported grant type: {grant}",
            },
        )
    scope = fields.get("scope") or "ALL"
    if scope not in SCOPES:
        raise oauth_error(
            400, {"error": "invalid_scope", "error_description": f"Invalid scope: {scope}"}
        )
    value = secrets.token_urlsafe(32)
    lifetime = ctx.state.token_lifetime
    ctx.state.tokens[value] = {
        "zone": ctx.zone.name,
        "client": pair[0],
        "scope": scope,
        "expires": time.time() + lifetime,
    }
    body = {
        "access_token": value,
        "token_type": "Bearer",
        "expires_in": lifetime,
        "scope": scope,
        "jti": str(uuid.uuid4()),
    }
    return Response(200, body, {"Cache-Control": "no-store"})


def authenticate(ctx: Ctx, req: Request) -> str:
    """The client behind the bearer token (an issued token or a seeded App Token), else 401;
    a READ-scoped token may only read (403)."""
    scheme, _, value = (req.header("authorization") or "").partition(" ")
    value = value.strip()
    entry = ctx.state.tokens.get(value) if scheme.lower() == "bearer" else None
    if entry is None and scheme.lower() == "bearer":
        entry = ctx.state.app_tokens.get(value)
        if entry is not None:
            entry = {**entry, "client": "app-token", "expires": float("inf")}
    if entry is None or entry["zone"] != ctx.zone.name or entry["expires"] <= time.time():
        if entry is not None and entry["expires"] <= time.time():
            ctx.state.tokens.pop(value, None)
        raise oauth_error(
            401,
            ctx.state.invalid_token_body,
            {"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    if entry["scope"] == "READ" and req.method not in ("GET", "HEAD"):
        raise oauth_error(
            403,
            {"error": "insufficient_scope", "error_description": "A READ token cannot write."},
        )
    client: str = entry["client"]
    return client
