"""Client-side validation (mirrors imp-central-api 1.7.0): rejected before any HTTP call."""

from __future__ import annotations

from typing import Any

import pytest

from impops.providers.impcentral.api import validation as v
from impops.providers.impcentral.api.errors import ClientValidationError

FIX = "factoryfixture_devicegroup"


def test_filters() -> None:
    assert v.check_filters("deployments", {"flagged": True, "tags": ["a", "b"]}) == {
        "flagged": "true",
        "tags": "a,b",
    }
    assert v.check_filters("devices", {"devicegroup.owner.id": "null"}) == {
        "devicegroup.owner.id": "null"
    }
    with pytest.raises(ClientValidationError, match="invalid filter 'name'"):
        v.check_filters("products", {"name": "x"})
    with pytest.raises(ClientValidationError, match="device group type"):
        v.check_filters("devicegroups", {"type": "bogus"})


@pytest.mark.parametrize(
    ("attrs", "rules", "message"),
    [
        ({}, v.PRODUCT_CREATE, "missing required product attribute"),
        ({"name": "p", "color": "red"}, v.PRODUCT_CREATE, "invalid product attribute"),
        ({"device_code": ""}, v.DEPLOYMENT_CREATE, "agent_code"),
        ({"url": "u", "event": "blessing"}, v.WEBHOOK_CREATE, "content_type"),
        ({"event": "blessing"}, v.WEBHOOK_UPDATE, "invalid webhook attribute"),
    ],
)
def test_attributes(attrs: dict[str, Any], rules: Any, message: str) -> None:
    with pytest.raises(ClientValidationError, match=message):
        v.check_attributes(attrs, rules, rules_name(rules))


def rules_name(rules: Any) -> str:
    if rules in (v.PRODUCT_CREATE, v.PRODUCT_UPDATE):
        return "product"
    if rules in (v.DEPLOYMENT_CREATE, v.DEPLOYMENT_UPDATE):
        return "deployment"
    return "webhook"


def test_group_type_enum() -> None:
    assert v.check_group_type("production_devicegroup") == "production_devicegroup"
    with pytest.raises(ClientValidationError):
        v.check_group_type("production")


def test_group_attribute_rules() -> None:
    v.check_group_attributes("production_devicegroup", {"name": "g", "region": "x"}, True)
    with pytest.raises(ClientValidationError, match="region"):
        v.check_group_attributes("development_devicegroup", {"name": "g", "region": "x"}, True)
    with pytest.raises(ClientValidationError, match="load_code_after_blessing"):
        v.check_group_attributes(
            "development_devicegroup", {"load_code_after_blessing": False}, False
        )
    with pytest.raises(ClientValidationError, match="invalid device group attribute"):
        v.check_group_attributes("production_devicegroup", {"region": "x"}, False)
    with pytest.raises(ClientValidationError, match="name"):
        v.check_group_attributes("development_devicegroup", {"name": ""}, True)
    with pytest.raises(ClientValidationError, match="80"):
        v.check_group_attributes("development_devicegroup", {"name": "n" * 81}, True)


def test_targets() -> None:
    prod = {"type": "production_devicegroup", "id": "g1"}
    dut = {"type": "dut_devicegroup", "id": "g2"}
    v.check_targets(FIX, prod, dut, creating=True)
    v.check_targets(FIX, None, None, creating=False)
    with pytest.raises(ClientValidationError, match="dut_target is required"):
        v.check_targets(FIX, prod, None, creating=True)
    with pytest.raises(ClientValidationError, match="must be a pre_production"):
        v.check_targets("pre_factoryfixture_devicegroup", prod, dut, creating=True)
    with pytest.raises(ClientValidationError, match="factory fixture groups only"):
        v.check_targets("production_devicegroup", prod, None, creating=False)
    with pytest.raises(ClientValidationError, match="must be"):
        v.check_targets(FIX, {"id": "g1"}, dut, creating=True)


def test_deployment_tags() -> None:
    v.check_deployment_attributes(
        {"device_code": "", "agent_code": "", "tags": ["a.b", "x-1", "y_*"]}, True
    )
    with pytest.raises(ClientValidationError, match="invalid tag"):
        v.check_deployment_attributes({"tags": ["has space"]}, False)
    with pytest.raises(ClientValidationError, match="500"):
        v.check_deployment_attributes({"tags": ["a" * 300, "b" * 201]}, False)
    with pytest.raises(ClientValidationError, match="string"):
        v.check_deployment_attributes({"device_code": None, "agent_code": ""}, True)
    with pytest.raises(ClientValidationError, match="invalid deployment attribute"):
        v.check_deployment_attributes({"origin": "x"}, False)


def test_webhook_enums() -> None:
    good = {"url": "https://x.example/h", "event": "deployment", "content_type": "application/json"}
    v.check_webhook_attributes(good, True)
    with pytest.raises(ClientValidationError, match="event"):
        v.check_webhook_attributes({**good, "event": "boot"}, True)
    with pytest.raises(ClientValidationError, match="content_type"):
        v.check_webhook_attributes({**good, "content_type": "text/plain"}, True)


def test_ids_and_devices() -> None:
    assert v.check_device_ids(["0c:2a:69:05:0d:62", "234776801163a9ee"]) == [
        "0c:2a:69:05:0d:62",
        "234776801163a9ee",
    ]
    with pytest.raises(ClientValidationError):
        v.check_device_ids("234776801163a9ee")
    for bad in ("", "a/b", "..", "x?y"):
        with pytest.raises(ClientValidationError):
            v.check_id(bad, "id")


@pytest.mark.parametrize(
    ("number", "size"), [(0, None), (None, 0), (1, 101), ("1", None), (True, 5)]
)
def test_page_values(number: object, size: object) -> None:
    with pytest.raises(ClientValidationError):
        v.check_page(number, size)
