"""Authentication (`/auth`, `/auth/token`), bearer-token checks, accounts, refresh tokens and
login keys.

Auth responses are plain JSON objects, not JSON:API documents: the official Node client tests
`'access_token' in body`, which throws on anything but an object (reference 2.1).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time

from impops.emulator.impcentral import totp
from impops.emulator.impcentral.core import (
    App,
    Request,
    Response,
    Route,
    filters,
    list_response,
    reject_unknown,
)
from impops.emulator.impcentral.jsonapi import (
    ApiError,
    Rec,
    attributes_of,
    bad_request,
    not_found,
    now_iso,
    request_data,
    unauthorized,
)

LOGIN_TOKEN_LIFETIME = 300
MAX_LOGIN_KEYS = 10
MAX_REFRESH_TOKENS = 5


def _invalid_credentials() -> ApiError:
    return ApiError(401, "PX100", "Invalid Credentials", "The credentials provided are invalid.")


def _limit_reached(what: str, limit: int) -> ApiError:
    # Real text contains "Account Limit Reached" (impt spec/ImptTestHelper.js, O).
    return ApiError(
        409,
        "CX010",
        "Account Limit Reached",
        f"An account may have at most {limit} {what}; delete one and try again.",
    )


def authenticate(app: App, req: Request) -> str:
    """The account id behind the request's bearer token, else 401."""
    header = req.header("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("An 'Authorization: Bearer <access token>' header is required.")
    entry = app.store.access_tokens.get(token.strip())
    if entry is None:
        raise unauthorized("The access token is invalid.")
    if entry["expires"] <= time.time():
        del app.store.access_tokens[token.strip()]
        raise unauthorized("The access token has expired.")
    account: str = entry["account"]
    return account


def _issue(app: App, account: str, *, with_refresh: bool) -> Rec:
    store = app.store
    token = base64.b64encode(secrets.token_bytes(120)).decode("ascii")
    expires = time.time() + app.token_lifetime
    store.access_tokens[token] = {"account": account, "expires": expires}
    body: Rec = {
        "access_token": token,
        "expires_in": app.token_lifetime,
        "expires_at": now_iso(expires),
    }
    if with_refresh:
        # At most five co-existent refresh tokens ([BAPI]); a new login evicts the oldest
        # rather than failing, because the official client's suite logs in ~12 times per
        # run against the real cloud without deleting any.
        existing = store.ids("refresh_tokens", "account", account)
        for old in existing[: max(0, len(existing) - MAX_REFRESH_TOKENS + 1)]:
            store.remove("refresh_tokens", store.collections["refresh_tokens"][old])
        value = secrets.token_hex(32)
        now = store.created_now()
        store.add(
            "refresh_tokens",
            {
                "type": "refresh_token",
                "id": store.new_id(),
                "_account": account,
                "_token": value,
                "attributes": {"created_at": now, "updated_at": now},
            },
        )
        body["refresh_token"] = value
    return body


def _find_account(app: App, ident: str) -> str | None:
    folded = ident.casefold()
    for account_id, rec in app.store.collections["accounts"].items():
        attrs = rec["attributes"]
        if folded in (attrs["email"].casefold(), attrs["username"].casefold()):
            return account_id
    return None


def post_auth(app: App, req: Request, params: dict[str, str]) -> Response:
    body = req.body if isinstance(req.body, dict) else {}
    store = app.store
    if "login_token" in body:
        # Second 2FA step. 1.7.0 sends the OTP in a header; 1.2.0 sent it as body "password".
        entry = store.login_tokens.get(str(body["login_token"]))
        if entry is None or entry["expires"] <= time.time():
            store.login_tokens.pop(str(body["login_token"]), None)
            raise ApiError(
                401, "PX101", "Invalid Login Token", "The login token is invalid or expired."
            )
        otp = req.header("x-electricimp-otp-token") or str(body.get("password") or "")
        secret = store.account_auth[entry["account"]].get("totp_secret") or ""
        if not otp or not totp.verify(secret, otp):
            raise ApiError(401, "PX102", "Invalid OTP", "The one-time password is invalid.")
        del store.login_tokens[str(body["login_token"])]
        return Response(200, _issue(app, entry["account"], with_refresh=True))
    ident, password = body.get("id"), body.get("password")
    if not isinstance(ident, str) or not ident or not isinstance(password, str):
        raise bad_request('The body must be {"id": <email or username>, "password": ...}.')
    account = _find_account(app, ident)
    auth = store.account_auth.get(account) if account else None
    if account is None or auth is None or not hmac.compare_digest(auth["password"], password):
        raise _invalid_credentials()
    if auth.get("totp_secret"):
        login_token = secrets.token_hex(16)
        store.login_tokens[login_token] = {
            "account": account,
            "expires": time.time() + LOGIN_TOKEN_LIFETIME,
        }
        raise ApiError(
            403,
            "PX103",
            "OTP Required",
            "This account uses two-factor authentication; send the one-time password.",
            {"login_token": login_token},
        )
    return Response(200, _issue(app, account, with_refresh=True))


def post_auth_token(app: App, req: Request, params: dict[str, str]) -> Response:
    body = req.body if isinstance(req.body, dict) else {}
    store = app.store
    if isinstance(body.get("token"), str):
        ids = store.ids("refresh_tokens", "token", body["token"])
        if not ids:
            raise ApiError(401, "PX104", "Invalid Refresh Token", "The refresh token is invalid.")
        account = store.collections["refresh_tokens"][ids[0]]["_account"]
        return Response(200, _issue(app, account, with_refresh=False))
    if isinstance(body.get("key"), str):
        key = store.get("login_keys", body["key"])
        if key is None:
            raise ApiError(401, "PX105", "Invalid Login Key", "The login key is invalid.")
        key["attributes"]["usages"] += 1
        return Response(200, _issue(app, key["_account"], with_refresh=False))
    raise bad_request('The body must be {"token": <refresh token>} or {"key": <login key>}.')


# --- accounts --------------------------------------------------------------------------------


def _account_id(req: Request, ident: str) -> str:
    return req.caller if ident == "me" else ident


def list_accounts(app: App, req: Request, params: dict[str, str]) -> Response:
    # Collaborators are not modelled: the only visible account is the caller's own.
    filters(req, ())
    return list_response(app, req, "accounts", [app.store.collections["accounts"][req.caller]])


def get_account(app: App, req: Request, params: dict[str, str]) -> Response:
    ident = _account_id(req, params["id"])
    if ident != req.caller:
        raise not_found("account", params["id"])
    return Response(
        200, {"data": app.doc(req, "accounts", app.store.collections["accounts"][ident])}
    )


# --- refresh tokens --------------------------------------------------------------------------


def _own_path(req: Request, params: dict[str, str]) -> None:
    if _account_id(req, params["account"]) != req.caller:
        raise not_found("account", params["account"])


def list_refresh_tokens(app: App, req: Request, params: dict[str, str]) -> Response:
    _own_path(req, params)
    filters(req, ())
    recs = app.store.records("refresh_tokens", "account", req.caller)
    return list_response(app, req, "refresh_tokens", recs)


def delete_refresh_token(app: App, req: Request, params: dict[str, str]) -> Response:
    _own_path(req, params)
    rec = app.store.get("refresh_tokens", params["id"])
    if rec is None or rec["_account"] != req.caller:
        raise not_found("refresh token", params["id"])
    app.store.remove("refresh_tokens", rec)  # access tokens already issued stay valid
    return Response(204)


# --- login keys ------------------------------------------------------------------------------


def _check_password(app: App, req: Request) -> None:
    given = req.header("x-electricimp-password")
    if given is None:
        raise ApiError(
            403,
            "PX106",
            "Password Required",
            "Login key changes need the account password in X-Electricimp-Password.",
        )
    if not hmac.compare_digest(app.store.account_auth[req.caller]["password"], given):
        raise ApiError(403, "PX107", "Invalid Password", "The account password is incorrect.")


def _login_key(app: App, req: Request, ident: str) -> Rec:
    rec = app.store.get("login_keys", ident)
    if rec is None or rec["_account"] != req.caller:
        raise not_found("login key", ident)
    return rec


def _description(attrs: Rec) -> str:
    reject_unknown(attrs, {"description"}, "login key")
    value = attrs.get("description", "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 255:
        raise ApiError(
            400, "VX002", "Invalid Attribute", "description: must be a string of 0-255 characters."
        )
    return value


def list_login_keys(app: App, req: Request, params: dict[str, str]) -> Response:
    _own_path(req, params)
    filters(req, ())
    return list_response(
        app, req, "login_keys", app.store.records("login_keys", "account", req.caller)
    )


def get_login_key(app: App, req: Request, params: dict[str, str]) -> Response:
    _own_path(req, params)
    rec = _login_key(app, req, params["id"])
    return Response(200, {"data": app.doc(req, "login_keys", rec)})


def create_login_key(app: App, req: Request, params: dict[str, str]) -> Response:
    _own_path(req, params)
    _check_password(app, req)
    description = _description(attributes_of(request_data(req.body, required=False)))
    store = app.store
    if len(store.ids("login_keys", "account", req.caller)) >= MAX_LOGIN_KEYS:
        raise _limit_reached("login keys", MAX_LOGIN_KEYS)
    key = secrets.token_hex(8)
    now = store.created_now()
    rec = store.add(
        "login_keys",
        {
            "type": "login_key",
            "id": key,
            "_account": req.caller,
            "attributes": {
                "description": description,
                "usages": 0,
                "created_at": now,
                "updated_at": now,
            },
        },
    )
    return Response(201, {"data": app.doc(req, "login_keys", rec)})


def update_login_key(app: App, req: Request, params: dict[str, str]) -> Response:
    _own_path(req, params)
    rec = _login_key(app, req, params["id"])
    _check_password(app, req)
    attrs = attributes_of(request_data(req.body))
    if "description" in attrs:
        rec["attributes"]["description"] = _description(attrs)
    else:
        reject_unknown(attrs, {"description"}, "login key")
    rec["attributes"]["updated_at"] = now_iso()
    return Response(200, {"data": app.doc(req, "login_keys", rec)})


def delete_login_key(app: App, req: Request, params: dict[str, str]) -> Response:
    _own_path(req, params)
    rec = _login_key(app, req, params["id"])
    _check_password(app, req)
    app.store.remove("login_keys", rec)
    return Response(204)


ROUTES = [
    Route("POST", "/auth", post_auth, auth=False),
    Route("POST", "/auth/token", post_auth_token, auth=False),
    Route("GET", "/accounts", list_accounts),
    Route("GET", "/accounts/{id}", get_account),
    Route("GET", "/accounts/{account}/refresh_tokens", list_refresh_tokens),
    Route("DELETE", "/accounts/{account}/refresh_tokens/{id}", delete_refresh_token),
    Route("GET", "/accounts/{account}/login_keys", list_login_keys),
    Route("POST", "/accounts/{account}/login_keys", create_login_key),
    Route("GET", "/accounts/{account}/login_keys/{id}", get_login_key),
    Route("PATCH", "/accounts/{account}/login_keys/{id}", update_login_key),
    Route("DELETE", "/accounts/{account}/login_keys/{id}", delete_login_key),
]
