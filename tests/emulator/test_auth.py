"""Authentication flows, token expiry, refresh tokens, login keys and accounts."""

from __future__ import annotations

import re
import time
from typing import Any

import requests

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import (
    DEFAULT_EMAIL,
    DEFAULT_LOGIN_KEY,
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    load_seed,
)
from impops.emulator.impcentral.totp import totp

SECRET = "JBSWY3DPEHPK3PXP"


def _post(emu: EmulatorServer, path: str, body: Any, **kw: Any) -> requests.Response:
    return requests.post(f"{emu.v5_url}{path}", json=body, timeout=10, **kw)


def _two_factor_seed() -> dict[str, Any]:
    seed = load_seed(None)
    seed["accounts"][0]["totp_secret"] = SECRET
    return seed


def test_password_login_by_email_and_username(emulator: EmulatorServer) -> None:
    for ident in (DEFAULT_EMAIL, DEFAULT_USERNAME):
        answer = _post(emulator, "/auth", {"id": ident, "password": DEFAULT_PASSWORD})
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"access_token", "expires_in", "expires_at", "refresh_token"}
        assert body["expires_in"] == 3600
        assert re.fullmatch(r"[0-9a-f]{64}", body["refresh_token"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["expires_at"])


def test_wrong_password_is_401_with_errors(emulator: EmulatorServer, make_api: Any) -> None:
    answer = _post(emulator, "/auth", {"id": DEFAULT_EMAIL, "password": "nope"})
    assert answer.status_code == 401
    assert make_api.error(answer)["title"] == "Invalid Credentials"


def test_refresh_token_and_login_key_exchange(emulator: EmulatorServer) -> None:
    login = _post(emulator, "/auth", {"id": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}).json()
    refreshed = _post(emulator, "/auth/token", {"token": login["refresh_token"]})
    assert refreshed.status_code == 200
    assert "refresh_token" not in refreshed.json()
    keyed = _post(emulator, "/auth/token", {"key": DEFAULT_LOGIN_KEY})
    assert keyed.status_code == 200
    assert keyed.json()["access_token"]
    assert _post(emulator, "/auth/token", {"key": "ffffffffffffffff"}).status_code == 401
    assert _post(emulator, "/auth/token", {"token": "0" * 64}).status_code == 401


def test_two_factor_login_with_header_and_old_body_form(make_api: Any) -> None:
    with EmulatorServer(seed=_two_factor_seed()) as emu:
        first = _post(emu, "/auth", {"id": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD})
        assert first.status_code == 403
        login_token = first.json()["errors"][0]["meta"]["login_token"]
        bad = _post(
            emu, "/auth", {"login_token": login_token}, headers={"X-Electricimp-OTP-Token": "1"}
        )
        assert bad.status_code == 401
        ok = _post(
            emu,
            "/auth",
            {"login_token": login_token},
            headers={"X-Electricimp-OTP-Token": totp(SECRET)},
        )
        assert ok.status_code == 200
        assert ok.json()["access_token"]
        # A login token is single use.
        again = _post(
            emu,
            "/auth",
            {"login_token": login_token},
            headers={"X-Electricimp-OTP-Token": totp(SECRET)},
        )
        assert again.status_code == 401
        # imp-central-api 1.2.0 sent the OTP as body "password".
        second = _post(emu, "/auth", {"id": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD})
        token = second.json()["errors"][0]["meta"]["login_token"]
        old = _post(emu, "/auth", {"login_token": token, "password": totp(SECRET)})
        assert old.status_code == 200


def test_totp_matches_rfc6238_vector() -> None:
    from impops.emulator.impcentral.totp import hotp

    # RFC 4226 appendix D, secret "12345678901234567890" in base32.
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    assert [hotp(secret, i) for i in range(3)] == ["755224", "287082", "359152"]


def test_expired_and_invalid_tokens_are_401(make_api: Any) -> None:
    with EmulatorServer(token_lifetime=1) as emu:
        api = make_api(emu)
        assert api.get("/accounts/me").status_code == 200
        time.sleep(1.2)
        answer = api.get("/accounts/me")
        assert answer.status_code == 401
        assert make_api.error(answer)["status"] == "401"
    with EmulatorServer() as emu:
        api = make_api(emu)
        emu.admin("POST", "tokens/expire")
        assert api.get("/products").status_code == 401
        api.token = "garbage"
        assert api.get("/products").status_code == 401
        no_auth = requests.get(f"{emu.v5_url}/products", timeout=10)
        assert no_auth.status_code == 401
        assert no_auth.json()["errors"][0]["detail"]


def test_refresh_token_list_delete_and_eviction(emulator: EmulatorServer, api: Any) -> None:
    creds = {"id": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}
    tokens = [_post(emulator, "/auth", creds).json() for _ in range(5)]
    listed = api.ok("GET", "/accounts/me/refresh_tokens")["data"]
    assert len(listed) == 5
    assert all(t["type"] == "refresh_token" for t in listed)
    # Decision: at most five; a sixth login succeeds and evicts the oldest refresh token.
    sixth = _post(emulator, "/auth", creds)
    assert sixth.status_code == 200
    assert len(api.ok("GET", "/accounts/me/refresh_tokens")["data"]) == 5
    assert _post(emulator, "/auth/token", {"token": tokens[0]["refresh_token"]}).status_code == 401
    # A deleted refresh token stops working; the others still do.
    api.ok("DELETE", f"/accounts/me/refresh_tokens/{listed[1]['id']}", status=204)
    still = [_post(emulator, "/auth/token", {"token": t["refresh_token"]}) for t in tokens[1:]]
    assert sorted(a.status_code for a in still) == [200, 200, 200, 401]
    assert api.get("/accounts/me/refresh_tokens/x").status_code == 405


def test_login_key_crud_needs_password(api: Any) -> None:
    pw = {"X-Electricimp-Password": DEFAULT_PASSWORD}
    body = {"data": {"type": "login_key", "attributes": {"description": "ci"}}}
    assert api.call("POST", "/accounts/me/login_keys", body).status_code == 403
    wrong = api.call(
        "POST", "/accounts/me/login_keys", body, headers={"X-Electricimp-Password": "x"}
    )
    assert wrong.status_code == 403
    key = api.ok("POST", "/accounts/me/login_keys", body, 201, headers=pw)["data"]
    assert key["type"] == "login_key"
    assert re.fullmatch(r"[0-9a-f]{16}", key["id"])
    assert key["attributes"]["description"] == "ci"
    assert api.login_key(key["id"])
    got = api.ok("GET", f"/accounts/me/login_keys/{key['id']}")["data"]
    assert got["attributes"]["usages"] == 1
    patch = {"data": {"type": "login_key", "id": key["id"], "attributes": {"description": "x"}}}
    updated = api.ok("PATCH", f"/accounts/me/login_keys/{key['id']}", patch, headers=pw)
    assert updated["data"]["attributes"]["description"] == "x"
    api.ok("DELETE", f"/accounts/me/login_keys/{key['id']}", status=204, headers=pw)
    again = api.call("DELETE", f"/accounts/me/login_keys/{key['id']}", headers=pw)
    assert again.status_code == 404


def test_login_key_limit_is_ten(api: Any) -> None:
    pw = {"X-Electricimp-Password": DEFAULT_PASSWORD}
    body = {"data": {"type": "login_key", "attributes": {}}}
    for _ in range(9):  # the seed already holds one
        api.ok("POST", "/accounts/me/login_keys", body, 201, headers=pw)
    answer = api.call("POST", "/accounts/me/login_keys", body, headers=pw)
    assert answer.status_code == 409
    assert "Account Limit Reached" in api.error(answer)["title"]
    assert len(api.ok("GET", "/accounts/me/login_keys?page[size]=100")["data"]) == 10


def test_accounts(api: Any) -> None:
    me = api.ok("GET", "/accounts/me")["data"]
    assert me["type"] == "account"
    assert me["attributes"]["username"] == DEFAULT_USERNAME
    assert me["attributes"]["email"] == DEFAULT_EMAIL
    assert api.ok("GET", f"/accounts/{me['id']}")["data"]["id"] == me["id"]
    listed = api.ok("GET", "/accounts")
    assert [a["id"] for a in listed["data"]] == [me["id"]]
    assert "next" not in listed["links"]
    assert api.get("/accounts/wrong-id").status_code == 404
