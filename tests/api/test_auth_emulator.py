"""Authentication flows that need a specially configured emulator: 2FA, short token lifetimes."""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from typing import Any

import pytest

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import load_seed
from impops.emulator.impcentral.totp import totp
from impops.providers.impcentral.api import AuthenticationError

from .helpers import PASSWORD, USERNAME, MakeClient, calls, log_since, request_log

SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture
def two_factor() -> Iterator[EmulatorServer]:
    seed = copy.deepcopy(load_seed(None))
    seed["accounts"][0]["totp_secret"] = SECRET
    with EmulatorServer(seed=seed) as emu:
        yield emu


@pytest.fixture
def short_tokens() -> Iterator[EmulatorServer]:
    with EmulatorServer(token_lifetime=2) as emu:
        yield emu


def test_two_factor_without_otp_says_what_to_set(
    two_factor: EmulatorServer, make_client: MakeClient
) -> None:
    client = make_client(server=two_factor, login_key=None, username=USERNAME, password=PASSWORD)
    with pytest.raises(AuthenticationError) as info:
        client.me()
    assert "IMPOPS_OTP" in str(info.value)
    assert PASSWORD not in str(info.value)


def test_two_factor_with_otp(two_factor: EmulatorServer, make_client: MakeClient) -> None:
    client = make_client(
        server=two_factor,
        login_key=None,
        username=USERNAME,
        password=PASSWORD,
        otp=totp(SECRET),
    )
    assert client.me()["attributes"]["username"] == USERNAME
    log = request_log(two_factor)
    assert [e["status"] for e in calls(log, "POST", "/v5/auth")] == [403, 200]


def test_two_factor_with_wrong_otp(two_factor: EmulatorServer, make_client: MakeClient) -> None:
    wrong = f"{(int(totp(SECRET)) + 500_000) % 1_000_000:06d}"
    client = make_client(
        server=two_factor, login_key=None, username=USERNAME, password=PASSWORD, otp=wrong
    )
    with pytest.raises(AuthenticationError) as info:
        client.me()
    assert wrong not in str(info.value)


def test_login_key_unaffected_by_two_factor(
    two_factor: EmulatorServer, make_client: MakeClient
) -> None:
    assert make_client(server=two_factor).me()["attributes"]["username"] == USERNAME


def _auth_calls(log: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(e["method"], e["path"], int(e["status"])) for e in log]


def test_login_key_token_renewed_before_expiry(
    short_tokens: EmulatorServer, make_client: MakeClient
) -> None:
    client = make_client(server=short_tokens)
    client.me()
    time.sleep(2.1)
    offset = len(request_log(short_tokens))
    client.me()
    log = _auth_calls(log_since(short_tokens, offset))
    # renewed proactively: the key is exchanged again and no call ever sees a 401
    assert log == [("POST", "/v5/auth/token", 200), ("GET", "/v5/accounts/me", 200)]


def test_password_session_renewed_with_refresh_token(
    short_tokens: EmulatorServer, make_client: MakeClient
) -> None:
    client = make_client(server=short_tokens, login_key=None, username=USERNAME, password=PASSWORD)
    client.me()
    time.sleep(2.1)
    offset = len(request_log(short_tokens))
    client.me()
    log = _auth_calls(log_since(short_tokens, offset))
    assert log == [("POST", "/v5/auth/token", 200), ("GET", "/v5/accounts/me", 200)]
    # one password login in total: renewal used the refresh token
    assert [e["status"] for e in calls(request_log(short_tokens), "POST", "/v5/auth")] == [200]
