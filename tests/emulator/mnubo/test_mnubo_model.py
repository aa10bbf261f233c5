"""Mnubo model API: shapes and spellings, validation with text errors, updates, relations."""

from __future__ import annotations

from typing import Any

import pytest

V3 = "/api/v3/model"


def test_export_and_flat_shapes(modelled: Any) -> None:
    modelled.ok(
        "POST", f"{V3}/timeseries", [{"key": "lonely", "type": {"highLevelType": "INT"}}], 201
    )
    export = modelled.ok("GET", f"{V3}/export")
    assert set(export) == {
        "objectTypes",
        "eventTypes",
        "ownerAttributes",
        "sessionizers",
        "orphans",
    }
    [ot] = export["objectTypes"]
    assert ot == {
        "key": "imp",
        "displayName": "",
        "description": "an imp",
        "objectAttributes": [
            {"key": "firmware", "displayName": "", "description": "",
             "type": {"highLevelType": "TEXT", "containerType": "none"}}
        ],
    }  # fmt: skip
    [et] = export["eventTypes"]
    assert et["origin"] == "scheduled"
    # Timeseries types have no containerType.
    assert et["timeseries"][0]["type"] == {"highLevelType": "TEMPERATURE"}
    assert export["orphans"] == {
        "timeseries": [{"key": "lonely", "displayName": "", "description": "",
                        "type": {"highLevelType": "INT"}}],
        "objectAttributes": [],
    }  # fmt: skip
    # The odd spellings: plural "Attributes" on the type, singular "Type" on the attribute.
    assert modelled.ok("GET", f"{V3}/objectTypes")[0]["objectAttributesKeys"] == ["firmware"]
    assert modelled.ok("GET", f"{V3}/objectAttributes")[0]["objectTypeKeys"] == ["imp"]
    assert modelled.ok("GET", f"{V3}/eventTypes")[0]["timeseriesKeys"] == ["temperature"]
    ts = {t["key"]: t["eventTypeKeys"] for t in modelled.ok("GET", f"{V3}/timeseries")}
    assert ts == {"temperature": ["reading"], "lonely": []}
    assert "objectTypeKeys" not in modelled.ok("GET", f"{V3}/ownerAttributes")[0]


@pytest.mark.parametrize(
    ("kind", "item", "text"),
    [
        ("timeseries", {"key": "x_id", "type": {"highLevelType": "INT"}}, "reserved"),
        ("timeseries", {"key": "X_Id", "type": {"highLevelType": "INT"}}, "reserved"),
        ("timeseries", {"key": "", "type": {"highLevelType": "INT"}}, "null or empty"),
        ("timeseries", {"key": "a b", "type": {"highLevelType": "INT"}}, "Invalid key"),
        ("timeseries", {"key": "t", "type": {"highLevelType": "int"}}, "invalid highLevelType"),
        ("timeseries", {"key": "t", "type": {"highLevelType": "COUNTRY"}}, "COUNTRYISO"),
        ("objectAttributes", {"key": "a", "type": {"highLevelType": "INT"}}, "containerType"),
        ("ownerAttributes", {"key": "a", "type": {"highLevelType": "INT", "containerType": "set"}},
         "invalid containerType 'set'"),
        ("eventTypes", {"key": "e", "origin": "cron"}, "invalid origin 'cron'"),
        ("eventTypes", {"key": "e"}, "invalid origin"),
        ("timeseries", {"key": "t", "type": {"highLevelType": "INT"}, "eventTypeKeys": ["no"]},
         "unknown event type 'no'"),
    ],
)  # fmt: skip
def test_validation_is_400_with_text(sandbox: Any, kind: str, item: Any, text: str) -> None:
    """Decision M6: validation failures are 400 with a sentence; nothing is created."""
    assert text in sandbox.text("POST", f"{V3}/{kind}", [item])
    assert sandbox.ok("GET", f"{V3}/{kind}") == []


def test_create_is_all_or_nothing_and_duplicates_409(modelled: Any) -> None:
    """Decision M6: a batch with one bad item creates nothing; an existing or repeated key is
    409; keys are case-insensitive and stored lower-case."""
    good = {"key": "Humidity", "type": {"highLevelType": "FLOAT"}}
    bad = {"key": "x_bad", "type": {"highLevelType": "FLOAT"}}
    modelled.text("POST", f"{V3}/timeseries", [good, bad])
    assert "humidity" not in {t["key"] for t in modelled.ok("GET", f"{V3}/timeseries")}
    assert "already exists" in modelled.text("POST", f"{V3}/timeseries", [good, good], 409)
    modelled.ok("POST", f"{V3}/timeseries", [good], 201)
    assert "humidity" in {t["key"] for t in modelled.ok("GET", f"{V3}/timeseries")}
    assert "already exists" in modelled.text(
        "POST", f"{V3}/timeseries", [{"key": "TEMPERATURE", "type": {"highLevelType": "INT"}}], 409
    )
    assert "JSON array" in modelled.text("POST", f"{V3}/timeseries", good)


def test_updates_the_api_allows(modelled: Any) -> None:
    """Decision M8: entities take displayName/description only; types also origin, and their
    relation lists are ignored; the key never changes."""
    modelled.ok("PUT", f"{V3}/timeseries/temperature", {"displayName": "T", "description": "d"})
    [ts] = modelled.ok("GET", f"{V3}/timeseries")
    assert (ts["displayName"], ts["description"], ts["type"]) == (
        "T",
        "d",
        {"highLevelType": "TEMPERATURE"},
    )
    text = modelled.text("PUT", f"{V3}/timeseries/temperature", {"type": {"highLevelType": "INT"}})
    assert "only description, displayName can be updated" in text
    modelled.ok(
        "PUT",
        f"{V3}/eventTypes/reading",
        {"key": "reading", "origin": "rule", "description": "r", "timeseriesKeys": []},
    )
    [et] = modelled.ok("GET", f"{V3}/eventTypes")
    assert (et["origin"], et["description"], et["timeseriesKeys"]) == ("rule", "r", ["temperature"])
    assert "cannot be changed" in modelled.text("PUT", f"{V3}/objectTypes/imp", {"key": "other"})
    assert "not found" in modelled.text("PUT", f"{V3}/timeseries/none", {"description": ""}, 404)


def test_relations_and_type_delete(modelled: Any) -> None:
    """Decision M9: adding an existing relation is harmless; removing a missing one is 404;
    deleting a type unlinks its entities, which become orphans; entities cannot be deleted."""
    link = f"{V3}/eventTypes/reading/timeseries/temperature"
    modelled.ok("POST", link, {})
    assert modelled.ok("GET", f"{V3}/eventTypes")[0]["timeseriesKeys"] == ["temperature"]
    modelled.ok("DELETE", link)
    assert "not linked" in modelled.text("DELETE", link, status=404)
    assert "not found" in modelled.text(
        "POST", f"{V3}/eventTypes/reading/timeseries/no", status=404
    )
    assert "not found" in modelled.text(
        "POST", f"{V3}/eventTypes/no/timeseries/temperature", status=404
    )
    modelled.ok("DELETE", f"{V3}/objectTypes/imp")
    export = modelled.ok("GET", f"{V3}/export")
    assert export["objectTypes"] == []
    assert [a["key"] for a in export["orphans"]["objectAttributes"]] == ["firmware"]
    assert modelled.call("DELETE", f"{V3}/timeseries/temperature").status_code == 405


def test_type_create_with_relation_keys(modelled: Any) -> None:
    """Decision M6: relation keys in a type create must exist and create the links."""
    modelled.ok("POST", f"{V3}/eventTypes", [{"key": "boot", "origin": "unscheduled",
                                              "timeseriesKeys": ["temperature"]}], 201)  # fmt: skip
    ts = modelled.ok("GET", f"{V3}/timeseries")[0]
    assert ts["eventTypeKeys"] == ["reading", "boot"]
    text = modelled.text("POST", f"{V3}/objectTypes", [{"key": "o", "objectAttributesKeys": ["z"]}])
    assert "unknown object attribute 'z'" in text


def test_production_model_writes_are_404(modelled: Any, production: Any) -> None:
    """Decision M2: every sandbox-only call answers 404 with a text body in production."""
    calls = [
        ("POST", f"{V3}/eventTypes", [{"key": "p", "origin": "rule"}]),
        ("PUT", f"{V3}/eventTypes/reading", {"description": ""}),
        ("DELETE", f"{V3}/objectTypes/imp", None),
        ("POST", f"{V3}/eventTypes/reading/timeseries/temperature", None),
        ("POST", f"{V3}/timeseries/temperature/deploy", None),
        ("POST", f"{V3}/reset", None),
    ]
    for method, path, body in calls:
        assert (
            production.text(method, path, body, 404)
            == "This operation is only available in the sandbox."
        )
    assert production.ok("GET", f"{V3}/export")["objectTypes"] == []
