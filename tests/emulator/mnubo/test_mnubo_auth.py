"""Mnubo OAuth2: client credentials per zone, query or form parameters, bearer checks."""

from __future__ import annotations

from typing import Any

import requests

from impops.emulator import EmulatorServer


def test_token_from_query_or_form_body(emulator: EmulatorServer) -> None:
    url = emulator.mnubo_url("sandbox") + "/oauth/token"
    auth = ("sandbox-client", "sandbox-secret")
    by_query = requests.post(url + "?grant_type=client_credentials&scope=ALL", auth=auth)
    by_form = requests.post(url, data={"grant_type": "client_credentials"}, auth=auth)
    for answer in (by_query, by_form):
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 3600
        assert body["scope"] == "ALL"  # scope is optional and defaults to ALL
        assert {"access_token", "jti"} <= set(body)
    assert by_query.json()["access_token"] != by_form.json()["access_token"]


def test_bad_credentials_grant_and_scope(emulator: EmulatorServer) -> None:
    url = emulator.mnubo_url("sandbox") + "/oauth/token?grant_type=client_credentials"
    wrong = requests.post(url, auth=("sandbox-client", "nope"))
    assert wrong.status_code == 401
    assert wrong.json() == {"error": "unauthorized", "error_description": "Bad credentials"}
    assert requests.post(url).status_code == 401  # no Basic auth at all
    # Credentials are per zone: the production pair is unknown to the sandbox.
    cross = requests.post(url, auth=("production-client", "production-secret"))
    assert cross.status_code == 401
    grant = requests.post(
        emulator.mnubo_url("sandbox") + "/oauth/token?grant_type=password",
        auth=("sandbox-client", "sandbox-secret"),
    )
    assert (grant.status_code, grant.json()["error"]) == (400, "unsupported_grant_type")
    scope = requests.post(url + "&scope=EVERYTHING", auth=("sandbox-client", "sandbox-secret"))
    assert (scope.status_code, scope.json()["error"]) == (400, "invalid_scope")


def test_bearer_required_zone_bound_and_expiring(emulator: EmulatorServer, make_zone: Any) -> None:
    sandbox = make_zone(emulator, "sandbox")
    assert sandbox.call("GET", "/api/v3/model/export").status_code == 200
    anonymous = requests.get(emulator.mnubo_url("sandbox") + "/api/v3/model/export")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"] == "invalid_token"
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    # A sandbox token is refused by production.
    cross = requests.get(
        emulator.mnubo_url("production") + "/api/v3/model/export",
        headers={"Authorization": f"Bearer {sandbox.token}"},
    )
    assert cross.status_code == 401
    assert emulator.admin("POST", "tokens/expire") == {"expired": 1}
    assert sandbox.call("GET", "/api/v3/model/export").status_code == 401


def test_read_scope_cannot_write(emulator: EmulatorServer) -> None:
    url = emulator.mnubo_url("sandbox")
    token = requests.post(
        url + "/oauth/token?grant_type=client_credentials&scope=READ",
        auth=("sandbox-client", "sandbox-secret"),
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert requests.get(url + "/api/v3/model/export", headers=headers).status_code == 200
    write = requests.post(url + "/api/v3/objects", json={}, headers=headers)
    assert (write.status_code, write.json()["error"]) == (403, "insufficient_scope")


def test_seeded_clients_app_tokens_and_401_body() -> None:
    mnubo = {
        "sandbox": {"clients": [{"id": "ci", "secret": "s3"}], "app_tokens": ["static-token"]},
        "unauthorized_body": {"error": "nope"},
    }
    with EmulatorServer(mnubo=mnubo) as emu:
        url = emu.mnubo_url("sandbox")
        ok = requests.post(url + "/oauth/token?grant_type=client_credentials", auth=("ci", "s3"))
        assert ok.status_code == 200
        default = ("sandbox-client", "sandbox-secret")
        refused = requests.post(url + "/oauth/token?grant_type=client_credentials", auth=default)
        assert (refused.status_code, refused.json()) == (401, {"error": "nope"})
        # Production keeps its default client when the seed does not name its own.
        prod = requests.post(
            emu.mnubo_url("production") + "/oauth/token?grant_type=client_credentials",
            auth=("production-client", "production-secret"),
        )
        assert prod.status_code == 200
        static = {"Authorization": "Bearer static-token"}
        assert requests.get(url + "/api/v3/model/export", headers=static).status_code == 200
