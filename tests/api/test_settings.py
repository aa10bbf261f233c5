"""Settings: parsing, endpoint policy, masking, credential rules."""

from __future__ import annotations

import pytest

from impops import redact
from impops.errors import ConfigError
from impops.providers.impcentral.settings import (
    DEFAULT_ENDPOINT,
    Settings,
    check_endpoint,
    is_loopback_host,
)

KEY = "0123456789abcdef"


def test_login_key_defaults() -> None:
    s = Settings.from_env({"IMPOPS_LOGIN_KEY": KEY})
    assert s.endpoint == DEFAULT_ENDPOINT
    assert s.login_key == KEY
    assert s.auth_method == "login_key"
    assert s.timeout == 45.0
    assert (s.read_timeout, s.connect_timeout) == (20.0, 5.0)
    assert s.effective_rate_limit == 20.0
    assert s.unbond_key is None


def test_password_and_options() -> None:
    s = Settings.from_env(
        {
            "IMPOPS_USERNAME": "operator",
            "IMPOPS_PASSWORD": "impops-demo",
            "IMPOPS_OTP": "123456",
            "IMPOPS_UNBOND_KEY": "unbond-secret",
            "IMPOPS_ENDPOINT": "http://127.0.0.1:8080/v5/",
            "IMPOPS_TIMEOUT": "2.5",
            "IMPOPS_RATE_LIMIT": "0",
        }
    )
    assert s.auth_method == "password"
    assert s.endpoint == "http://127.0.0.1:8080/v5"
    assert (s.timeout, s.effective_rate_limit, s.otp) == (2.5, 0.0, "123456")


def test_rate_limit_defaults_off_on_loopback_only() -> None:
    local = Settings.from_env({"IMPOPS_LOGIN_KEY": KEY, "IMPOPS_ENDPOINT": "http://127.0.0.1/v5"})
    assert local.effective_rate_limit == 0.0
    env = {"IMPOPS_LOGIN_KEY": KEY, "IMPOPS_ENDPOINT": "http://127.0.0.1/v5"}
    assert Settings.from_env({**env, "IMPOPS_RATE_LIMIT": "7"}).effective_rate_limit == 7.0
    assert Settings.from_env({"IMPOPS_LOGIN_KEY": KEY}).effective_rate_limit == 20.0


def test_env_overrides_project_default_endpoint() -> None:
    env = {"IMPOPS_LOGIN_KEY": KEY}
    project = "https://private.example.com/v5"
    assert Settings.from_env(env, default_endpoint=project).endpoint == project
    env["IMPOPS_ENDPOINT"] = "https://other.example.com/v5"
    assert Settings.from_env(env, default_endpoint=project).endpoint == env["IMPOPS_ENDPOINT"]


def test_login_key_preferred_over_password() -> None:
    s = Settings.from_env(
        {"IMPOPS_LOGIN_KEY": KEY, "IMPOPS_USERNAME": "u", "IMPOPS_PASSWORD": "pw-secret"}
    )
    assert s.auth_method == "login_key"
    assert s.fingerprint_material() == f"login_key\0{KEY}"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({}, ["IMPOPS_LOGIN_KEY", "IMPOPS_USERNAME", "IMPOPS_PASSWORD"]),
        ({"IMPOPS_USERNAME": "u"}, ["IMPOPS_PASSWORD"]),
        ({"IMPOPS_PASSWORD": "pw-secret"}, ["IMPOPS_USERNAME"]),
        ({"IMPOPS_LOGIN_KEY": "  "}, ["IMPOPS_LOGIN_KEY"]),
    ],
)
def test_missing_credentials(env: dict[str, str], names: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    for name in names:
        assert name in str(info.value)
    assert "pw-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("IMPOPS_TIMEOUT", "abc"),
        ("IMPOPS_TIMEOUT", "0"),
        ("IMPOPS_TIMEOUT", "nan"),
        ("IMPOPS_RATE_LIMIT", "-1"),
        ("IMPOPS_RATE_LIMIT", "inf"),
        ("IMPOPS_ALLOW_HTTP", "maybe"),
    ],
)
def test_bad_numbers_and_flags(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"IMPOPS_LOGIN_KEY": KEY, name: value})


@pytest.mark.parametrize(
    "host", ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost."]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize("host", ["example.com", "10.0.0.1", "128.0.0.1", "::2", "localhost.evil"])
def test_non_loopback_hosts(host: str) -> None:
    assert not is_loopback_host(host)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/v5",
        "http://localhost/v5",
        "http://[::1]:9000/v5",
        "https://api.electricimp.com/v5",
        "HTTPS://API.example.com/v5/",
    ],
)
def test_endpoint_accepted(url: str) -> None:
    assert not check_endpoint(url).endswith("/")


@pytest.mark.parametrize(
    "url",
    [
        "http://api.electricimp.com/v5",
        "http://10.1.2.3/v5",
        "ftp://127.0.0.1/v5",
        "api.electricimp.com/v5",
        "https:///v5",
        "https://user:hunter22@api.example.com/v5",
        "https://api.example.com/v5?x=1",
        "https://api.example.com:99999/v5",
    ],
)
def test_endpoint_refused(url: str) -> None:
    with pytest.raises(ConfigError) as info:
        Settings.from_env({"IMPOPS_LOGIN_KEY": KEY, "IMPOPS_ENDPOINT": url})
    assert "hunter22" not in str(info.value)


def test_plain_http_allowed_explicitly() -> None:
    env = {
        "IMPOPS_LOGIN_KEY": KEY,
        "IMPOPS_ENDPOINT": "http://impcloud.internal/v5",
        "IMPOPS_ALLOW_HTTP": "1",
    }
    assert Settings.from_env(env).endpoint == "http://impcloud.internal/v5"


def test_repr_and_str_mask_every_secret() -> None:
    s = Settings.from_env(
        {
            "IMPOPS_LOGIN_KEY": KEY,
            "IMPOPS_USERNAME": "operator",
            "IMPOPS_PASSWORD": "pw-very-secret",
            "IMPOPS_OTP": "654321",
            "IMPOPS_UNBOND_KEY": "unbond-very-secret",
        }
    )
    for text in (repr(s), str(s), f"{s}", repr([s])):
        for secret in (KEY, "pw-very-secret", "654321", "unbond-very-secret"):
            assert secret not in text
        assert "operator" in text
        assert "<set>" in text


def test_secrets_are_registered_for_scrubbing() -> None:
    Settings.from_env({"IMPOPS_USERNAME": "u", "IMPOPS_PASSWORD": "pw-registered-1"})
    assert "pw-registered-1" not in redact.scrub("oops pw-registered-1 leaked")


def test_fingerprint_material_differs_per_credentials() -> None:
    a = Settings.from_env({"IMPOPS_USERNAME": "u", "IMPOPS_PASSWORD": "pw-aaaa"})
    b = Settings.from_env({"IMPOPS_USERNAME": "u", "IMPOPS_PASSWORD": "pw-bbbb"})
    assert a.fingerprint_material() != b.fingerprint_material()
    assert "pw-aaaa" in a.fingerprint_material()


def test_settings_are_frozen() -> None:
    s = Settings(login_key=KEY)
    with pytest.raises(AttributeError):
        s.login_key = "other"  # type: ignore[misc]


def test_direct_construction_validates() -> None:
    with pytest.raises(ConfigError):
        Settings(endpoint="http://example.com/v5", login_key=KEY)
