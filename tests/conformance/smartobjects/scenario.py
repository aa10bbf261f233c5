"""Drive the official PyPI ``smartobjects`` 1.5.4 client against the Mnubo emulator.

Run by ``test_smartobjects.py`` with the interpreter of a separate virtual environment that
holds the client (its ``typing_extensions==3.7.4.3`` pin cannot live next to pydantic 2).
Environment: ``MNUBO_SANDBOX_URL``, ``MNUBO_PRODUCTION_URL``, ``EMULATOR_ADMIN_URL``. Prints
one JSON line per check: ``{"check": name, "ok": bool, "detail": ...}``; a failing check never
stops the others unless a later one depends on it.
"""

from __future__ import annotations

import json
import os
import traceback
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import requests
from smartobjects import ExponentialBackoffConfig, SmartObjectsClient

SANDBOX = os.environ["MNUBO_SANDBOX_URL"]
PRODUCTION = os.environ["MNUBO_PRODUCTION_URL"]
ADMIN = os.environ["EMULATOR_ADMIN_URL"]


def report(name: str, ok: bool, detail: Any = None) -> None:
    print(json.dumps({"check": name, "ok": ok, "detail": detail}), flush=True)


def check(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def wrap(func: Callable[[], Any]) -> Callable[[], Any]:
        try:
            detail = func()
            report(name, True, detail)
        except Exception as exc:  # noqa: BLE001 - every failure is a reported check
            report(name, False, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}")
        return func

    return wrap


def expect_error(call: Callable[[], Any], kind: type[BaseException], text: str = "") -> str:
    try:
        call()
    except kind as exc:
        message = str(exc)
        if isinstance(exc, requests.HTTPError) and exc.response is not None:
            message = f"{exc.response.status_code} {exc.response.text}"
        assert text in message, f"expected {text!r} in {message!r}"
        return message
    raise AssertionError(f"expected {kind.__name__}")


def admin(method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        f"{ADMIN}/{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as answer:  # noqa: S310 - loopback only
        text = answer.read()
    return json.loads(text) if text else None


sandbox = SmartObjectsClient("sandbox-client", "sandbox-secret", SANDBOX)
production = SmartObjectsClient("production-client", "production-secret", PRODUCTION)
plain = SmartObjectsClient("sandbox-client", "sandbox-secret", SANDBOX, compression_enabled=False)
ops = sandbox.model.sandbox_ops
TS, ORPHAN_TS, OA, OWN = "temperature", "orphan-ts", "firmware", "age"
ET, OT = "reading", "imp"


@check("auth.head_probe_and_token")
def _() -> Any:
    # Construction sent HEAD <base URL> and fetched a token; a wrong secret is refused.
    expect_error(lambda: SmartObjectsClient("sandbox-client", "wrong", SANDBOX), requests.HTTPError)
    expect_error(
        lambda: SmartObjectsClient("sandbox-client", "sandbox-secret", PRODUCTION),
        requests.HTTPError,
        "401",
    )
    return "HEAD and POST /oauth/token accepted; bad and cross-zone credentials 401"


@check("auth.with_static_token_refused_when_unknown")
def _() -> Any:
    client = SmartObjectsClient.withToken("not-a-token", SANDBOX)
    return expect_error(client.model.export, requests.HTTPError, "401")


@check("model.export_empty")
def _() -> Any:
    model = sandbox.model.export()
    assert list(model.object_types) == []
    assert list(model.timeseries) == []
    assert model.orphans.timeseries == []
    assert model.orphans.object_attributes == []
    return model.raw


@check("model.create_types")
def _() -> Any:
    ops.event_types_ops.createOne(
        {"key": ET, "origin": "scheduled", "description": "a reading", "timeseriesKeys": []}
    )
    ops.object_types_ops.create([{"key": OT, "description": "an imp", "objectAttributesKeys": []}])
    assert [e.key for e in sandbox.model.get_event_types()] == [ET]
    assert [o.key for o in sandbox.model.get_object_types()] == [OT]


@check("model.create_entities")
def _() -> Any:
    ops.timeseries_ops.createOne(
        {
            "key": TS,
            "displayName": "Temperature",
            "description": "degrees",
            "type": {"highLevelType": "TEMPERATURE"},
            "eventTypeKeys": [ET],
        }
    )
    ops.timeseries_ops.create(
        [{"key": ORPHAN_TS, "displayName": "", "description": "", "type": {"highLevelType": "INT"}}]
    )
    ops.object_attributes_ops.createOne(
        {
            "key": OA,
            "displayName": "Firmware",
            "description": "",
            "type": {"highLevelType": "TEXT", "containerType": "none"},
            "objectTypeKeys": [OT],
        }
    )
    ops.owner_attributes_ops.createOne(
        {
            "key": OWN,
            "displayName": "Age",
            "description": "",
            "type": {"highLevelType": "INT", "containerType": "none"},
        }
    )


@check("model.export_after_create")
def _() -> Any:
    model = sandbox.model.export()
    ts = {t.key: t for t in model.timeseries}
    assert ts[TS].event_types_keys == [ET]
    assert ts[TS].high_level_type == "TEMPERATURE"
    assert [o.key for o in model.orphans.timeseries] == [ORPHAN_TS]
    assert [(o.key, o.object_type_keys) for o in model.object_attributes] == [(OA, [OT])]
    assert [o.key for o in model.owner_attributes] == [OWN]
    assert [(e.key, e.origin, e.timeseries_keys) for e in model.event_types] == [
        (ET, "scheduled", [TS])
    ]
    return model.raw


@check("model.flat_lists")
def _() -> Any:
    ts = {t.key: t.event_types_keys for t in sandbox.model.get_timeseries()}
    assert ts == {TS: [ET], ORPHAN_TS: []}, ts
    oa = {o.key: o.object_type_keys for o in sandbox.model.get_object_attributes()}
    assert oa == {OA: [OT]}, oa
    assert [o.container_type for o in sandbox.model.get_owner_attributes()] == ["none"]
    assert [t.timeseries_keys for t in sandbox.model.get_event_types()] == [[TS]]
    assert [t.object_attribute_keys for t in sandbox.model.get_object_types()] == [[OA]]


@check("model.invalid_definitions_refused")
def _() -> Any:
    create = ops.timeseries_ops.createOne
    found = [
        expect_error(
            lambda: create({"key": "x_bad", "type": {"highLevelType": "INT"}}),
            ValueError,
            "reserved",
        ),
        expect_error(
            lambda: create({"key": "bad-type", "type": {"highLevelType": "NUMBER"}}),
            ValueError,
            "highLevelType",
        ),
        expect_error(
            lambda: ops.object_attributes_ops.createOne(
                {"key": "bad-ct", "type": {"highLevelType": "INT", "containerType": "set"}}
            ),
            ValueError,
            "containerType",
        ),
        expect_error(
            lambda: ops.event_types_ops.createOne({"key": "bad-origin", "origin": "cron"}),
            ValueError,
            "origin",
        ),
        expect_error(
            lambda: create({"key": TS, "type": {"highLevelType": "INT"}}),
            ValueError,
            "already exists",
        ),
    ]
    return found


@check("model.update_entities_and_types")
def _() -> Any:
    ops.timeseries_ops.update(TS, {"displayName": "Temp (C)", "description": "celsius"})
    ops.object_attributes_ops.update(OA, {"displayName": "FW", "description": "version"})
    ops.owner_attributes_ops.update(OWN, {"displayName": "Age (y)", "description": ""})
    ops.event_types_ops.update(
        ET, {"key": ET, "origin": "unscheduled", "description": "changed", "timeseriesKeys": []}
    )
    ops.object_types_ops.update(OT, {"key": OT, "description": "imps", "objectAttributesKeys": []})
    ts = {t.key: t for t in sandbox.model.get_timeseries()}
    assert (ts[TS].display_name, ts[TS].description) == ("Temp (C)", "celsius")
    [et] = sandbox.model.get_event_types()
    # The relation lists in a type update are ignored: the link survives the empty list.
    assert (et.origin, et.description, et.timeseries_keys) == ("unscheduled", "changed", [TS])
    [ot] = sandbox.model.get_object_types()
    assert (ot.description, ot.object_attribute_keys) == ("imps", [OA])
    expect_error(
        lambda: ops.timeseries_ops.update(TS, {"type": {"highLevelType": "INT"}}), ValueError
    )


@check("model.relations_add_remove")
def _() -> Any:
    ops.event_types_ops.add_relation(ET, ORPHAN_TS)
    ops.event_types_ops.add_relation(ET, ORPHAN_TS)  # adding twice is harmless
    assert sorted(sandbox.model.get_event_types()[0].timeseries_keys) == sorted([TS, ORPHAN_TS])
    assert sandbox.model.export().orphans.timeseries == []
    ops.event_types_ops.remove_relation(ET, ORPHAN_TS)
    ops.object_types_ops.remove_relation(OT, OA)
    assert [o.key for o in sandbox.model.export().orphans.object_attributes] == [OA]
    ops.object_types_ops.add_relation(OT, OA)
    assert sandbox.model.get_object_types()[0].object_attribute_keys == [OA]
    expect_error(lambda: ops.event_types_ops.add_relation(ET, "nope"), requests.HTTPError, "404")


@check("model.deploy_two_step")
def _() -> Any:
    code = ops.timeseries_ops.generate_deploy_code(TS)
    assert isinstance(code, str)
    assert code
    expect_error(lambda: ops.timeseries_ops.apply_deploy_code(TS, "wrong"), ValueError)
    ops.timeseries_ops.apply_deploy_code(TS, code)
    expect_error(lambda: ops.timeseries_ops.apply_deploy_code(TS, code), ValueError, "code")
    ops.object_attributes_ops.deploy(OA)
    ops.owner_attributes_ops.deploy(OWN)
    model = production.model.export()
    assert [(t.key, t.event_types_keys) for t in model.timeseries] == [(TS, [ET])]
    assert [(o.key, o.object_type_keys) for o in model.object_attributes] == [(OA, [OT])]
    assert [o.key for o in model.owner_attributes] == [OWN]
    assert [e.origin for e in model.event_types] == ["unscheduled"]
    assert ORPHAN_TS not in {t.key for t in production.model.get_timeseries()}
    return model.raw


@check("model.production_is_read_only")
def _() -> Any:
    prod_ops = production.model.sandbox_ops
    return [
        expect_error(
            lambda: prod_ops.event_types_ops.createOne({"key": "p", "origin": "rule"}),
            requests.HTTPError,
            "404",
        ),
        expect_error(lambda: prod_ops.timeseries_ops.deploy(TS), requests.HTTPError, "404"),
        expect_error(prod_ops.reset_ops.reset, requests.HTTPError, "404"),
    ]


@check("objects.create_exists_update")
def _() -> Any:
    sandbox.objects.create({"x_device_id": "dev-1", "x_object_type": OT, OA: "1.0"})
    plain.objects.create({"x_device_id": "DEV-2", "x_object_type": OT})
    assert sandbox.objects.object_exists("dev-1") is True
    assert sandbox.objects.objects_exist(["dev-1", "DEV-2", "nope"]) == {
        "dev-1": True,
        "DEV-2": True,
        "nope": False,
    }
    sandbox.objects.update("dev-1", {OA: "1.1"})
    expect_error(
        lambda: sandbox.objects.create({"x_device_id": "dev-1", "x_object_type": OT}), ValueError
    )
    expect_error(
        lambda: sandbox.objects.create({"x_device_id": "d3", "x_object_type": OT, "bad": 1}),
        ValueError,
        "Unknown field 'bad'",
    )
    [obj] = [o for o in admin("GET", "mnubo/sandbox/objects") if o["x_device_id"] == "dev-1"]
    assert obj[OA] == "1.1", obj


@check("objects.create_update_batch_partial")
def _() -> Any:
    results = sandbox.objects.create_update(
        [
            {"x_device_id": "dev-1", OA: "2.0"},
            {"x_device_id": "dev-4", "x_object_type": OT},
            {"x_device_id": "dev-5", "unknown": 1},
        ]
    )
    assert [r.result for r in results] == ["success", "success", "error"], [
        (r.id, r.result, r.message) for r in results
    ]
    return [(r.id, r.result, r.message) for r in results]


@check("objects.delete")
def _() -> Any:
    sandbox.objects.delete("dev-4")
    assert sandbox.objects.object_exists("dev-4") is False
    expect_error(lambda: sandbox.objects.delete("dev-4"), ValueError, "not found")


@check("events.send_with_results")
def _() -> Any:
    first = uuid.uuid4()
    results = sandbox.events.send(
        [
            {"x_object": {"x_device_id": "dev-1"}, "x_event_type": ET, TS: 21.5, "event_id": first},
            {"x_object": {"x_device_id": "ghost"}, "x_event_type": ET, TS: 3},
        ]
    )
    assert [(r.result, r.object_exists) for r in results] == [("success", True), ("success", False)]
    assert results[0].id == first
    again = sandbox.events.send(
        [{"x_object": {"x_device_id": "dev-1"}, "x_event_type": ET, "event_id": first}]
    )
    assert again[0].result == "conflict"
    assert sandbox.events.event_exists(first) is True
    assert sandbox.events.events_exist([first, uuid.uuid4()])[first] is True
    bad = sandbox.events.send([{"x_object": {"x_device_id": "dev-1"}, "x_event_type": ET, "zz": 1}])
    assert bad[0].result == "error"
    assert "Unknown field 'zz'" in bad[0].message


@check("events.must_exist")
def _() -> Any:
    results = sandbox.events.send(
        [{"x_object": {"x_device_id": "ghost"}, "x_event_type": ET}], must_exist=True
    )
    assert results[0].result == "notfound", (results[0].result, results[0].message)
    return results[0].message


@check("events.send_from_device")
def _() -> Any:
    results = sandbox.events.send_from_device("dev-1", [{"x_event_type": ET, TS: 22}])
    assert results[0].result == "success"
    assert results[0].object_exists is True
    assert sandbox.events.send_from_device("dev-1", [{"x_event_type": ET}], False) is None


@check("owners.create_claim_unclaim")
def _() -> Any:
    sandbox.owners.create({"username": "alice", "x_password": "pw", OWN: 33})
    expect_error(
        lambda: sandbox.owners.create({"username": "alice", "x_password": "pw"}), ValueError
    )
    assert sandbox.owners.owner_exists("alice") is True
    assert sandbox.owners.owners_exist(["alice", "bob"]) == {"alice": True, "bob": False}
    sandbox.owners.update("alice", {OWN: 34})
    sandbox.owners.claim("alice", "dev-1")
    sandbox.owners.unclaim("alice", "dev-1")
    results = sandbox.owners.batch_claim([("alice", "dev-1"), ("alice", "ghost")])
    assert [r.result for r in results] == ["success", "error"]
    results = sandbox.owners.batch_unclaim([("alice", "dev-1")])
    assert [r.result for r in results] == ["success"]
    results = sandbox.owners.create_update(
        [{"username": "bob", "x_password": "x"}, {"username": "alice", "nope": 1}]
    )
    assert [r.result for r in results] == ["success", "error"]
    sandbox.owners.delete("bob")
    assert sandbox.owners.owner_exists("bob") is False
    owners = admin("GET", "mnubo/sandbox/owners")
    assert all("x_password" not in o for o in owners), owners


@check("ingestion.production_uses_production_model")
def _() -> Any:
    production.objects.create({"x_device_id": "prod-1", "x_object_type": OT, OA: "1"})
    expect_error(
        lambda: production.events.send(
            [{"x_object": {"x_device_id": "prod-1"}, "x_event_type": ET, ORPHAN_TS: 1}],
            report_results=False,
            must_exist=True,
        ),
        ValueError,
        f"Unknown field '{ORPHAN_TS}'",
    )
    assert production.objects.object_exists("dev-1") is False


@check("backoff.retries_injected_503")
def _() -> Any:
    admin(
        "POST",
        "faults",
        {"method": "GET", "path": "/mnubo/sandbox/api/v3/model/export", "status": 503, "count": 2},
    )
    client = SmartObjectsClient(
        "sandbox-client",
        "sandbox-secret",
        SANDBOX,
        backoff_config=ExponentialBackoffConfig(
            number_of_attempts=3, initial_delay_in_seconds=0.01
        ),
    )
    client.model.export()
    log = admin("GET", "requests")["requests"]
    statuses = [r["status"] for r in log if r["path"] == "/mnubo/sandbox/api/v3/model/export"]
    assert statuses[-3:] == [503, 503, 200], statuses


@check("model.delete_type")
def _() -> Any:
    ops.event_types_ops.createOne(
        {"key": "temporary", "origin": "rule", "timeseriesKeys": [ORPHAN_TS]}
    )
    ops.event_types_ops.delete("temporary")
    assert [e.key for e in sandbox.model.get_event_types()] == [ET]
    assert [t.key for t in sandbox.model.export().orphans.timeseries] == [ORPHAN_TS]


@check("model.reset")
def _() -> Any:
    ops.reset_ops.reset()
    expect_error(lambda: ops.reset_ops.apply_reset_code("wrong"), ValueError)
    assert sandbox.model.export().raw == production.model.export().raw
    assert sandbox.objects.object_exists("dev-1") is False
    assert production.objects.object_exists("prod-1") is True
