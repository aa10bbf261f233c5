"""Client behaviour that needs no server: URL policy, validation before HTTP, markers, secrets.

The client points at 127.0.0.1:9 (discard; nothing listens): any request would fail with a
TransportError, so a ClientValidationError proves that no HTTP call was attempted.
"""

from __future__ import annotations

import logging

import pytest

from impops.http.transport import Transport
from impops.providers.impcentral.api import (
    ClientValidationError,
    ImpCentralClient,
    TransportError,
    strip_op_marker,
)
from impops.providers.impcentral.settings import Settings

KEY = "fedcba9876543210"
CLOSED = "http://127.0.0.1:9/v5"


@pytest.fixture
def client() -> ImpCentralClient:
    settings = Settings(endpoint=CLOSED, login_key=KEY, timeout=2)
    return ImpCentralClient(settings, max_retries=1, backoff_base=0.01)


def test_url_building_and_rebasing() -> None:
    t = Transport("http://127.0.0.1:8080/v5/")
    assert t.url("/products") == "http://127.0.0.1:8080/v5/products"
    assert t.url("products/x") == "http://127.0.0.1:8080/v5/products/x"
    # an absolute link is re-based onto our own origin: the token never goes elsewhere
    assert (
        t.url("https://evil.example:443/v5/products?page%5Bnumber%5D=2")
        == "http://127.0.0.1:8080/v5/products?page%5Bnumber%5D=2"
    )
    assert t.display_path(t.url("/devicegroups/g1?x=1")) == "/devicegroups/g1"
    t.close()


def test_strip_op_marker() -> None:
    assert strip_op_marker("impops:prod@abc op:0123456789ab") == "impops:prod@abc"
    assert strip_op_marker("op:0123456789ab") == ""
    assert strip_op_marker("no marker") == "no marker"
    assert strip_op_marker("op:xyz") == "op:xyz"


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.create_product(""),
        lambda c: c.list_products({"name": "x"}),
        lambda c: c.create_device_group("p1", "prod", {"name": "g"}),
        lambda c: c.create_device_group("p1", "factoryfixture_devicegroup", {"name": "g"}),
        lambda c: c.create_device_group("p1", "development_devicegroup", {"name": "g", "x": 1}),
        lambda c: c.update_device_group("g1", "development_devicegroup", {"region": "eu"}),
        lambda c: c.create_deployment("g1", "development_devicegroup", {"device_code": ""}),
        lambda c: c.update_deployment("d1", {"origin": "x"}),
        lambda c: c.create_webhook(
            "g1", "development_devicegroup", {"url": "u", "event": "e", "content_type": "c"}
        ),
        lambda c: c.assign_devices("g1", "abc"),
        lambda c: c.get_product("../accounts/me"),
        lambda c: c.list_device_groups({"type": "bogus"}),
    ],
)
def test_invalid_requests_never_reach_http(client: ImpCentralClient, call: object) -> None:
    with pytest.raises(ClientValidationError):
        call(client)  # type: ignore[operator]


def test_empty_device_lists_are_no_ops(client: ImpCentralClient) -> None:
    client.assign_devices("g1", [])
    client.unassign_devices("g1", [])


def test_transport_error_has_no_secrets(
    client: ImpCentralClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(TransportError) as info:
        client.list_products()
    text = str(info.value) + caplog.text
    assert KEY not in text
    assert info.value.status is None
    assert "/auth/token" in str(info.value)
    assert "could not connect" in str(info.value)
    assert info.value.attempts == 2


def test_from_env_uses_project_endpoint_unless_env_sets_one() -> None:
    env = {"IMPOPS_LOGIN_KEY": KEY}
    with ImpCentralClient.from_env(env, endpoint="http://127.0.0.1:1234/v5") as c:
        assert c.endpoint == "http://127.0.0.1:1234/v5"
    env["IMPOPS_ENDPOINT"] = "http://127.0.0.1:4321/v5"
    with ImpCentralClient.from_env(env, endpoint="http://127.0.0.1:1234/v5") as c:
        assert c.endpoint == "http://127.0.0.1:4321/v5"
