"""Mnubo ingestion: objects, events and owners, checked against the zone's model."""

from __future__ import annotations

import uuid
from typing import Any

O3 = "/api/v3/objects"


def test_objects_lifecycle_and_model_checks(modelled: Any) -> None:
    """Decision M7: fields must be system fields or attributes of the zone; the object type
    must exist; duplicates are 409; unknown objects are 400 with `Object '<id>' not found`."""
    created = modelled.ok(
        "POST", O3, {"x_device_id": "Dev-1", "x_object_type": "imp", "firmware": "1"}, 201
    )
    assert created["x_device_id"] == "Dev-1"
    assert "already exists" in modelled.text(
        "POST", O3, {"x_device_id": "Dev-1", "x_object_type": "imp"}, 409
    )
    assert (
        modelled.text("POST", O3, {"x_device_id": "d2", "x_object_type": "imp", "unknown": 1})
        == "Unknown field 'unknown'"
    )
    assert "Unknown object type" in modelled.text(
        "POST", O3, {"x_device_id": "d2", "x_object_type": "car"}
    )
    assert "x_object_type" in modelled.text("POST", O3, {"x_device_id": "d2"})
    modelled.ok("PUT", f"{O3}/Dev-1", {"firmware": "2", "x_device_id": "ignored"})
    assert modelled.ok("GET", f"{O3}/exists/Dev-1") == {"Dev-1": True}
    assert modelled.ok("GET", f"{O3}/exists/dev-1") == {"dev-1": False}  # ids keep their case
    assert modelled.ok("POST", f"{O3}/exists", ["Dev-1", "zz"]) == [{"Dev-1": True}, {"zz": False}]
    [obj] = modelled.emu.admin("GET", "mnubo/sandbox/objects")
    assert obj["firmware"] == "2"
    modelled.ok("DELETE", f"{O3}/Dev-1")
    assert modelled.text("DELETE", f"{O3}/Dev-1") == "Object 'Dev-1' not found"


def test_batch_upsert_207_and_limit(modelled: Any) -> None:
    answer = modelled.call(
        "PUT", O3, [{"x_device_id": "a", "x_object_type": "imp"}, {"x_device_id": "b"}]
    )
    assert answer.status_code == 207
    assert answer.json() == [
        {"id": "a", "result": "success"},
        {"id": "b", "result": "error", "message": "x_object_type cannot be null or empty."},
    ]
    assert modelled.ok("PUT", O3, [{"x_device_id": "a", "firmware": "3"}]) == [
        {"id": "a", "result": "success"}
    ]
    too_many = [{"x_device_id": f"d{i}", "x_object_type": "imp"} for i in range(1001)]
    assert "at most 1000" in modelled.text("PUT", O3, too_many)
    assert modelled.ok("PUT", O3, too_many[:1000])[999]["result"] == "success"


def test_events_results_conflicts_and_must_exist(modelled: Any) -> None:
    modelled.ok("POST", O3, {"x_device_id": "d1", "x_object_type": "imp"}, 201)
    known = str(uuid.uuid4())
    events = [
        {
            "x_object": {"x_device_id": "d1"},
            "x_event_type": "reading",
            "temperature": 20,
            "event_id": known,
        },
        {"x_object": {"x_device_id": "ghost"}, "x_event_type": "reading"},
    ]
    results = modelled.ok("POST", "/api/v3/events?report_results=true", events)
    assert [(r["result"], r["objectExists"]) for r in results] == [
        ("success", True),
        ("success", False),
    ]
    assert results[0]["id"] == known
    uuid.UUID(results[1]["id"])  # a generated event_id is a UUID
    answer = modelled.call(
        "POST", "/api/v3/events?report_results=true&objects_must_exist=true", events
    )
    assert answer.status_code == 207
    assert [r["result"] for r in answer.json()] == ["conflict", "notfound"]
    assert answer.json()[1]["message"] == "Object 'ghost' not found"
    # Without report_results: all or nothing, "OK" or the first failure as text.
    bad = [{"x_object": {"x_device_id": "d1"}, "x_event_type": "reading", "zz": 1}]
    assert modelled.text("POST", "/api/v3/events", bad) == "Unknown field 'zz'"
    ok = modelled.call(
        "POST", "/api/v3/events", [{"x_object": {"x_device_id": "d1"}, "x_event_type": "reading"}]
    )
    assert (ok.status_code, ok.text) == (200, "OK")
    assert "Unknown event type" in modelled.text(
        "POST", "/api/v3/objects/d1/events", [{"x_event_type": "nope"}]
    )
    assert modelled.ok("GET", f"/api/v3/events/exists/{known}") == {known: True}
    assert modelled.ok("POST", "/api/v3/events/exists", [known, str(uuid.uuid4())])[0] == {
        known: True
    }
    assert len(modelled.emu.admin("GET", "mnubo/sandbox/events")) == 3


def test_owners_claims_and_passwords(modelled: Any) -> None:
    owners = "/api/v3/owners"
    created = modelled.ok("POST", owners, {"username": "alice", "x_password": "pw", "age": 30}, 201)
    assert "x_password" not in created
    assert "already in use" in modelled.text("POST", owners, {"username": "alice"}, 409)
    assert (
        modelled.text("POST", owners, {"username": "bob", "height": 2}) == "Unknown field 'height'"
    )
    modelled.ok("POST", O3, {"x_device_id": "d1", "x_object_type": "imp"}, 201)
    modelled.ok("POST", f"{owners}/alice/objects/d1/claim")
    [obj] = modelled.emu.admin("GET", "mnubo/sandbox/objects")
    assert obj["x_owner"] == {"username": "alice"}
    assert "not found" in modelled.text("POST", f"{owners}/bob/objects/d1/unclaim")
    unclaims = [{"username": "alice", "x_device_id": d} for d in ("d1", "zz")]
    results = modelled.call("POST", f"{owners}/unclaim", unclaims)
    assert results.status_code == 207
    assert [r["result"] for r in results.json()] == ["success", "error"]
    modelled.ok("PUT", f"{owners}/alice/password", {"x_password": "new"})
    assert modelled.ok("GET", f"{owners}/exists/alice") == {"alice": True}
    modelled.ok("DELETE", f"{owners}/alice")
    assert modelled.ok("POST", f"{owners}/exists", ["alice"]) == [{"alice": False}]
    assert all("x_password" not in o for o in modelled.emu.admin("GET", "mnubo/sandbox/owners"))


def test_production_ingestion_uses_production_model(modelled: Any, production: Any) -> None:
    """Decision M7: each zone checks against its own model; production starts empty."""
    body = {"x_device_id": "p1", "x_object_type": "imp", "firmware": "1"}
    assert "Unknown object type" in production.text("POST", O3, body)
    modelled.deploy("objectAttributes", "firmware")
    production.ok("POST", O3, body, 201)
    assert modelled.ok("GET", f"{O3}/exists/p1") == {"p1": False}  # zones hold separate data
