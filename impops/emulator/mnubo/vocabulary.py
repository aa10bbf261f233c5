"""Mnubo's vocabulary, spelled out here rather than imported: the emulator is the oracle the
provider is tested against, so it must not inherit the provider's mistakes (reference §2.4-2.7,
§4)."""

from __future__ import annotations

import re

# The datalake field types, the best available proxy for the model's set (reference §2.4;
# note COUNTRYISO). Configurable in the seed (`mnubo.high_level_types`).
HIGH_LEVEL_TYPES = (
    "BOOLEAN", "INT", "LONG", "FLOAT", "DOUBLE", "TEXT", "TIME", "DATETIME", "VOLUME",
    "ACCELERATION", "SPEED", "STATE", "MASS", "EMAIL", "TEMPERATURE", "AREA", "LENGTH",
    "COUNTRYISO", "SUBDIVISION_1_ISO", "SUBDIVISION_2_ISO", "TIME_ZONE", "DURATION",
)  # fmt: skip
CONTAINER_TYPES = ("none", "list")
ORIGINS = ("scheduled", "unscheduled", "rule")
SCOPES = ("ALL", "READ", "WRITE", "LIMITED")

# Model kinds by URL segment; `entity` kinds are deployed, `type` kinds hold relations.
TYPE_KINDS = ("objectTypes", "eventTypes")
ENTITY_KINDS = ("timeseries", "objectAttributes", "ownerAttributes")
KINDS = TYPE_KINDS + ENTITY_KINDS
LABELS = {
    "objectTypes": "Object type",
    "eventTypes": "Event type",
    "timeseries": "Timeseries",
    "objectAttributes": "Object attribute",
    "ownerAttributes": "Owner attribute",
}
# type kind -> (entity kind it relates to, the type's flat list field, the entity's field)
RELATIONS = {
    "eventTypes": ("timeseries", "timeseriesKeys", "eventTypeKeys"),
    "objectTypes": ("objectAttributes", "objectAttributesKeys", "objectTypeKeys"),
}

# Keys: letters, digits, `_` and `-` (hyphens worked in the sandbox ITs), at most 64, and
# never the reserved `x_` prefix (checked case-insensitively, as the datalake does).
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_DISPLAY_NAME = 255
MAX_DESCRIPTION = 1024
MAX_BATCH = 1000

# System fields of ingested records (reference §4); every other field must be in the model.
OBJECT_FIELDS = frozenset(
    {
        "x_device_id", "x_object_type", "x_owner", "x_timestamp", "x_registration_date",
        "x_registration_latitude", "x_registration_longitude", "x_last_update_timestamp",
    }
)  # fmt: skip
EVENT_FIELDS = frozenset(
    {"x_object", "x_event_type", "event_id", "x_timestamp", "x_latitude", "x_longitude"}
)
OWNER_FIELDS = frozenset(
    {
        "username", "x_password", "x_timestamp", "x_registration_date",
        "x_last_update_timestamp", "x_registration_latitude", "x_registration_longitude",
    }
)  # fmt: skip


def key_problem(key: object, what: str) -> str | None:
    """Why `key` cannot name a new model entity, or None when it can."""
    if not isinstance(key, str) or not key:
        return f"{what} key cannot be null or empty."
    if key.lower().startswith("x_"):
        return f"Invalid key '{key}': keys starting with 'x_' are reserved."
    if not KEY.match(key):
        return (
            f"Invalid key '{key}': use at most 64 letters, digits, '_' or '-', "
            "starting with a letter or a digit."
        )
    return None
