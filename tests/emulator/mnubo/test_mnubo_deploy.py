"""The deploy code flow that promotes entities (and their types) to production, and reset."""

from __future__ import annotations

import time
from typing import Any

import pytest

from impops.emulator.mnubo import state as mnubo_state

V3 = "/api/v3/model"


def test_deploy_promotes_entity_types_and_links(modelled: Any, production: Any) -> None:
    """Decision M1: a deployed timeseries brings its event types and links to production."""
    modelled.ok("POST", f"{V3}/eventTypes", [{"key": "boot", "origin": "rule"}], 201)
    modelled.ok("POST", f"{V3}/eventTypes/boot/timeseries/temperature")
    modelled.deploy("timeseries", "temperature")
    et = {e["key"]: e for e in production.ok("GET", f"{V3}/eventTypes")}
    assert et["reading"]["timeseriesKeys"] == ["temperature"]
    assert (et["boot"]["origin"], et["boot"]["timeseriesKeys"]) == ("rule", ["temperature"])
    assert production.ok("GET", f"{V3}/objectTypes") == []  # not deployed yet
    modelled.deploy("objectAttributes", "firmware")
    modelled.deploy("ownerAttributes", "age")
    export = production.ok("GET", f"{V3}/export")
    assert export["objectTypes"][0]["objectAttributes"][0]["key"] == "firmware"
    assert [o["key"] for o in export["ownerAttributes"]] == ["age"]


def test_redeploy_adds_links_never_removes_them(modelled: Any, production: Any) -> None:
    """Decision M1: links removed in the sandbox stay in production; links and changes made
    later reach production when the entity is deployed again."""
    modelled.deploy("timeseries", "temperature")
    modelled.ok("DELETE", f"{V3}/eventTypes/reading/timeseries/temperature")
    modelled.ok("POST", f"{V3}/eventTypes", [{"key": "boot", "origin": "rule"}], 201)
    modelled.ok("POST", f"{V3}/eventTypes/boot/timeseries/temperature")
    modelled.ok("PUT", f"{V3}/timeseries/temperature", {"displayName": "Temp", "description": ""})
    before = production.ok("GET", f"{V3}/timeseries")
    assert before[0]["eventTypeKeys"] == ["reading"]
    assert before[0]["displayName"] == ""
    modelled.deploy("timeseries", "temperature")
    [after] = production.ok("GET", f"{V3}/timeseries")
    assert sorted(after["eventTypeKeys"]) == ["boot", "reading"]
    assert after["displayName"] == "Temp"


def test_deploy_codes_are_single_use_and_bound(modelled: Any) -> None:
    """Decision M4: a wrong, reused or foreign code is 400; the code is bound to its entity."""
    code = modelled.ok("POST", f"{V3}/timeseries/temperature/deploy")["code"]
    assert "code" in modelled.text("POST", f"{V3}/timeseries/temperature/deploy/nope")
    assert "something else" in modelled.text(
        "POST", f"{V3}/objectAttributes/firmware/deploy/{code}"
    )
    modelled.ok("POST", f"{V3}/timeseries/temperature/deploy/{code}")
    assert "Invalid or expired" in modelled.text(
        "POST", f"{V3}/timeseries/temperature/deploy/{code}"
    )
    reset_code = modelled.ok("POST", f"{V3}/reset")["code"]
    assert "something else" in modelled.text(
        "POST", f"{V3}/timeseries/temperature/deploy/{reset_code}"
    )
    assert "not found" in modelled.text("POST", f"{V3}/timeseries/none/deploy", status=404)


def test_deploy_codes_expire(modelled: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    code = modelled.ok("POST", f"{V3}/timeseries/temperature/deploy")["code"]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + mnubo_state.CODE_LIFETIME + 1)
    assert "expired" in modelled.text("POST", f"{V3}/timeseries/temperature/deploy/{code}")


def test_reset_keeps_production_and_wipes_sandbox(modelled: Any, production: Any) -> None:
    """Decision M5: reset makes the sandbox model a copy of production and deletes the
    sandbox's objects, owners and events; production is untouched."""
    modelled.deploy("timeseries", "temperature")
    modelled.ok("POST", "/api/v3/objects", {"x_device_id": "d1", "x_object_type": "imp"}, 201)
    code = modelled.ok("POST", "//api/v3//model/reset/")["code"]  # the Python client's `//`
    modelled.ok("POST", f"{V3}/reset/{code}")
    assert modelled.ok("GET", f"{V3}/export") == production.ok("GET", f"{V3}/export")
    assert [t["key"] for t in modelled.ok("GET", f"{V3}/timeseries")] == ["temperature"]
    assert modelled.ok("GET", "/api/v3/objects/exists/d1") == {"d1": False}
