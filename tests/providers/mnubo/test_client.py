"""The Mnubo client against the emulator over HTTP: auth, refresh, gzip, retries, errors."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from impops.errors import ConfigError
from impops.providers.mnubo.client import MnuboClient
from impops.providers.mnubo.errors import (
    MnuboAuthError,
    MnuboNotFoundError,
    MnuboRequestError,
    MnuboUnavailableError,
)
from impops.providers.mnubo.settings import ZoneSettings, load_zones
from impops.providers.mnubo.transport import RetryOptions

NO_WAIT = RetryOptions(max_retries=3, sleep=lambda _s: None)


def client(emulator: Any, zone: str = "sandbox", secret: str | None = None) -> MnuboClient:
    settings = ZoneSettings(zone, emulator.mnubo_url(zone), f"{zone}-client",
                            secret or f"{zone}-secret", timeout=10)  # fmt: skip
    return MnuboClient(settings, NO_WAIT)


def fault(emulator: Any, **body: Any) -> None:
    requests.post(f"{emulator.base_url}/_emulator/faults", json=body, timeout=10)


def ts(key: str) -> dict[str, Any]:
    return {"key": key, "displayName": key, "description": "", "type": {"highLevelType": "FLOAT"}}


def test_token_is_fetched_once_and_refreshed_after_a_401(emulator: Any) -> None:
    c = client(emulator)
    c.list_kind("timeseries")
    c.list_kind("eventTypes")
    assert c.transport.tokens.fetches == 1
    # the server forgets every token (as after a restart): one 401, one refresh, then fine
    requests.post(f"{emulator.base_url}/_emulator/reset", timeout=10)
    assert c.list_kind("timeseries") == []
    assert c.transport.tokens.fetches == 2


def test_bad_credentials_name_the_variables_not_the_secret(emulator: Any) -> None:
    c = client(emulator, secret="wrong-secret-value")
    with pytest.raises(MnuboAuthError) as err:
        c.list_kind("timeseries")
    assert "IMPOPS_MNUBO_SANDBOX_CLIENT_ID" in str(err.value)
    assert "wrong-secret-value" not in str(err.value)


def test_gzip_create_and_text_error_bodies(emulator: Any) -> None:
    c = client(emulator)
    c.create("timeseries", ts("temperature"))  # bodies are sent gzip-compressed
    assert [d["key"] for d in c.list_kind("timeseries")] == ["temperature"]
    with pytest.raises(MnuboRequestError) as err:
        c.create("timeseries", {**ts("x_reserved")})
    assert "x_" in str(err.value)
    assert "POST /api/v3/model/timeseries" in str(err.value)
    with pytest.raises(MnuboNotFoundError):
        client(emulator, "production").create("timeseries", ts("humidity"))  # sandbox only


def test_reads_retry_502_and_503(emulator: Any) -> None:
    c = client(emulator)
    fault(emulator, method="GET", path="/mnubo/sandbox/api/v3/model/*", status=503, count=2)
    fault(emulator, method="GET", path="/mnubo/sandbox/api/v3/model/*", status=502, count=1)
    assert c.list_kind("objectTypes") == []
    fault(emulator, method="GET", path="/mnubo/sandbox/api/v3/model/*", status=503, count=9)
    with pytest.raises(MnuboUnavailableError) as err:
        c.list_kind("objectTypes")
    assert "after 4 attempts" in str(err.value)


def test_a_create_is_not_repeated_blindly(emulator: Any) -> None:
    c = client(emulator)
    # the create lands but its answer is lost: the client looks, finds it, and is done
    fault(emulator, method="POST", path="/mnubo/sandbox/api/v3/model/timeseries", status=503,
          after=True)  # fmt: skip
    c.create("timeseries", ts("pressure"))
    assert [d["key"] for d in c.list_kind("timeseries")] == ["pressure"]
    # refused before it landed: looked up (absent), tried once more
    fault(emulator, method="POST", path="/mnubo/sandbox/api/v3/model/timeseries", status=503)
    c.create("timeseries", ts("humidity"))
    assert {d["key"] for d in c.list_kind("timeseries")} == {"pressure", "humidity"}


def test_deploy_and_registry(emulator: Any) -> None:
    c = client(emulator)
    c.create("objectTypes", {"key": "station", "description": "", "objectAttributesKeys": []})
    c.create("objectAttributes", {"key": "site", "displayName": "", "description": "",
                                  "type": {"highLevelType": "TEXT", "containerType": "none"},
                                  "objectTypeKeys": ["station"]})  # fmt: skip
    c.deploy("objectAttributes", "site")
    prod = client(emulator, "production")
    assert [d["key"] for d in prod.list_kind("objectTypes")] == ["station"]
    ids = [f"agent{i:05d}" for i in range(1500)]  # two batches
    objects = [{"x_device_id": i, "x_object_type": "station"} for i in ids]
    assert c.upsert_objects(objects) == []
    assert c.upsert_objects(objects[:3]) == []  # idempotent
    exists = c.objects_exist([*ids, "missing"])
    assert sum(exists.values()) == 1500
    assert exists["missing"] is False


def test_missing_variables_are_named() -> None:
    with pytest.raises(ConfigError) as err:
        load_zones(["sandbox", "production"], {"IMPOPS_MNUBO_SANDBOX_URL": "https://x.example"})
    text = str(err.value)
    assert "IMPOPS_MNUBO_SANDBOX_CLIENT_SECRET" in text
    assert "IMPOPS_MNUBO_PRODUCTION_URL" in text
    assert "IMPOPS_MNUBO_SANDBOX_URL" not in text
    env = {
        "IMPOPS_MNUBO_SANDBOX_URL": "http://mnubo.example.com",  # plain http, not loopback
        "IMPOPS_MNUBO_SANDBOX_CLIENT_ID": "a",
        "IMPOPS_MNUBO_SANDBOX_CLIENT_SECRET": "b",
    }
    with pytest.raises(ConfigError):
        load_zones(["sandbox"], env)
