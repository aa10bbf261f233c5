"""Ingestion of events: `POST /events`, `POST /objects/{id}/events`, and the exists checks.

`report_results=true` answers one EventResult `{id, result, objectExists, message?}` per event
(200 when all succeeded, 207 otherwise): `success`, `error` (unknown event type or field),
`conflict` (an `event_id` already stored or repeated in the batch) or `notfound` (with
`objects_must_exist=true`, or the Python client's `must_exist=true`, accepted as an alias).
Without it the batch is all-or-nothing: `OK` (text) or 400 with the first failure's text.
An event without `event_id` gets a random UUID, so every result has a UUID `id` (the Python
client parses it as one).
"""

from __future__ import annotations

import uuid
from typing import Any

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.errors import bad
from impops.emulator.mnubo.objects import ItemError, batch, batch_answer, check_fields
from impops.emulator.mnubo.state import Ctx, Zone
from impops.emulator.mnubo.vocabulary import EVENT_FIELDS

Rec = dict[str, Any]


def _flag(req: Request, *names: str) -> bool:
    return any(req.query.get(name, "").lower() == "true" for name in names)


def _event_id(event: Rec) -> str:
    raw = event.get("event_id")
    if raw is None:
        return str(uuid.uuid4())
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise ItemError(f"event_id '{raw}' is not a UUID.") from None


def _check(zone: Zone, event: Any, must_exist: bool, batch_ids: set[str]) -> tuple[str, Rec]:
    """(event id, the event to store); ItemError with its result state otherwise."""
    if not isinstance(event, dict):
        raise ItemError("Each event must be a JSON object.")
    ident = _event_id(event)
    if ident in zone.events or ident in batch_ids:
        raise ItemError(f"Event '{ident}' already exists.", 409, "conflict")
    target = event.get("x_object")
    device = target.get("x_device_id") if isinstance(target, dict) else None
    if not isinstance(device, str) or not device:
        raise ItemError("x_object.x_device_id cannot be null or empty.")
    event_type = event.get("x_event_type")
    if not isinstance(event_type, str) or not event_type:
        raise ItemError("x_event_type cannot be null or empty.")
    if event_type.lower() not in zone.model["eventTypes"]:
        raise ItemError(f"Unknown event type '{event_type}'")
    check_fields(event, EVENT_FIELDS, zone.model["timeseries"])
    if must_exist and device not in zone.objects:
        raise ItemError(f"Object '{device}' not found", 400, "notfound")
    return ident, {**event, "event_id": ident}


def _ingest(ctx: Ctx, req: Request, events: list[Any]) -> Response:
    zone = ctx.zone
    must_exist = _flag(req, "objects_must_exist", "must_exist")
    seen: set[str] = set()
    checked: list[tuple[Any, tuple[str, Rec] | ItemError]] = []
    for event in events:
        try:
            ident, stored = _check(zone, event, must_exist, seen)
            seen.add(ident)
            checked.append((event, (ident, stored)))
        except ItemError as exc:
            checked.append((event, exc))
    if not _flag(req, "report_results"):
        for _, outcome in checked:
            if isinstance(outcome, ItemError):
                raise bad(outcome.message)
    results: list[Rec] = []
    for event, outcome in checked:
        if isinstance(outcome, ItemError):
            raw = event.get("event_id") if isinstance(event, dict) else None
            device = _device(event)
            results.append(
                {
                    "id": str(raw) if raw is not None else str(uuid.uuid4()),
                    "result": outcome.result,
                    "objectExists": device in zone.objects,
                    "message": outcome.message,
                }
            )
            continue
        ident, stored = outcome
        zone.events[ident] = stored
        device = stored["x_object"]["x_device_id"]
        results.append({"id": ident, "result": "success", "objectExists": device in zone.objects})
    if not _flag(req, "report_results"):
        return Response(200, "OK")
    return batch_answer(results)


def _device(event: Any) -> str | None:
    target = event.get("x_object") if isinstance(event, dict) else None
    device = target.get("x_device_id") if isinstance(target, dict) else None
    return device if isinstance(device, str) else None


def send(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    return _ingest(ctx, req, batch(req.body, "events"))


def send_from_device(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    events = batch(req.body, "events")
    # The path names the object: an x_object in the body is replaced.
    bound = [
        {**e, "x_object": {"x_device_id": params["id"]}} if isinstance(e, dict) else e
        for e in events
    ]
    return _ingest(ctx, req, bound)


def exists_one(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    return Response(200, {params["id"]: params["id"].lower() in ctx.zone.events})


def exists_many(ctx: Ctx, req: Request, params: dict[str, str]) -> Response:
    ids = batch(req.body, "event ids")
    return Response(200, [{str(i): str(i).lower() in ctx.zone.events} for i in ids])
