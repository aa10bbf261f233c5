"""The Mnubo section: a model file named by `mnubo:` in `impops.yaml`, its schema and loading.

The model file declares the SmartObjects data model the fleet's agents write to: object
types, event types, object attributes, timeseries and owner attributes. Types list the
entities they hold by key (`object_attributes:` on an object type, `timeseries:` on an event
type); entities say whether they are promoted to production (`promote:`, default from the
file's top-level `promote:`). Keys follow the safe subset the reference recommends
(`^[a-z][a-z0-9_]{0,63}$`); Mnubo reserves `x_`. The file takes no `${VAR}`s: a data model
holds no secrets. Errors carry file:line:column like every manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from impops.errors import ManifestProblem, SourcePosition
from impops.manifest.yaml import PathKey, PositionMap, dotted, read_yaml

# `^[a-z][a-z0-9_]{0,63}$` without the reserved `x_` prefix (no look-ahead in pydantic's regex)
MNUBO_KEY_PATTERN = r"^(?:[a-wyz][a-z0-9_]{0,63}|x|x[a-z0-9][a-z0-9_]{0,62})$"
MNUBO_PATTERN_MESSAGES = {
    MNUBO_KEY_PATTERN: "Mnubo keys are 1-64 lower-case letters, digits and `_`, starting with a "
    "letter; `x_` is reserved by Mnubo",
}
# The datalake field types, the closest documented list (reference §2.4; note COUNTRYISO).
HighLevelType = Literal[
    "BOOLEAN", "INT", "LONG", "FLOAT", "DOUBLE", "TEXT", "TIME", "DATETIME", "VOLUME",
    "ACCELERATION", "SPEED", "STATE", "MASS", "EMAIL", "TEMPERATURE", "AREA", "LENGTH",
    "COUNTRYISO", "SUBDIVISION_1_ISO", "SUBDIVISION_2_ISO", "TIME_ZONE", "DURATION",
]  # fmt: skip
ContainerType = Literal["none", "list"]
Origin = Literal["scheduled", "unscheduled", "rule"]
MnuboKey = Annotated[str, StringConstraints(pattern=MNUBO_KEY_PATTERN)]
DisplayName = Annotated[str, StringConstraints(max_length=255)]
MnuboDescription = Annotated[str, StringConstraints(max_length=1024)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Named(_Model):
    display_name: DisplayName = Field("", description="Mnubo displayName.")
    description: MnuboDescription = ""


class ObjectTypeManifest(_Named):
    """An object type (what `x_object_type` names); holds object attributes."""

    object_attributes: list[MnuboKey] = Field(
        default_factory=list, description="Keys of object attributes declared in this file."
    )


class EventTypeManifest(_Named):
    """An event type (what `x_event_type` names); holds timeseries."""

    origin: Origin = Field(description="scheduled, unscheduled or rule.")
    timeseries: list[MnuboKey] = Field(
        default_factory=list, description="Keys of timeseries declared in this file."
    )


class _EntityManifest(_Named):
    high_level_type: HighLevelType = Field(description="Fixed once created (no API changes it).")
    promote: bool | None = Field(
        None, description="Deploy to production (unset: the file's `promote`)."
    )


class TimeseriesManifest(_EntityManifest):
    """A timeseries (an event field). Timeseries have no containerType."""


class AttributeManifest(_EntityManifest):
    """An object or owner attribute."""

    container_type: ContainerType = Field("none", description="Fixed once created.")


class MnuboManifest(_Model):
    """The Mnubo model file (named by `mnubo:` in impops.yaml)."""

    model_config = ConfigDict(title="impops Mnubo model file")

    promote: bool = Field(
        False,
        description="Default for every entity: deploy it to production through the "
        "deploy-code flow. Production entities can never be deleted.",
    )
    object_types: dict[MnuboKey, ObjectTypeManifest] = Field(default_factory=dict)
    event_types: dict[MnuboKey, EventTypeManifest] = Field(default_factory=dict)
    object_attributes: dict[MnuboKey, AttributeManifest] = Field(default_factory=dict)
    timeseries: dict[MnuboKey, TimeseriesManifest] = Field(default_factory=dict)
    owner_attributes: dict[MnuboKey, AttributeManifest] = Field(default_factory=dict)


@dataclass(frozen=True)
class MnuboModel:
    """A loaded, valid model file."""

    manifest: MnuboManifest
    file: str  # relative to the manifest root
    positions: PositionMap

    def position(self, path: PathKey) -> SourcePosition:
        return self.positions.key(path)

    def promoted(self, promote: bool | None) -> bool:
        return self.manifest.promote if promote is None else promote


def load_mnubo(
    root: Path, entry: str, where: SourcePosition
) -> tuple[MnuboModel | None, list[ManifestProblem], Path | None]:
    """Load and check the model file `entry` (relative to `root`); (model, problems, path)."""
    # local import: problems imports models, which imports this module
    from impops.manifest.problems import problems_from

    path = (root / entry).resolve()
    if Path(entry).is_absolute() or not path.is_relative_to(root):
        return (
            None,
            [
                ManifestProblem(
                    where, "mnubo", "the model file must be inside the manifest directory"
                )
            ],
            None,
        )
    if not path.is_file():
        return None, [ManifestProblem(where, "mnubo", f"Mnubo model file not found: {entry}")], None
    file = path.relative_to(root).as_posix()
    loaded, problems = read_yaml(path, file)
    if loaded is None:
        return None, problems, path
    data: Any = loaded.data
    try:
        manifest = MnuboManifest.model_validate(data)
    except ValidationError as exc:
        problems += problems_from(exc, MnuboManifest, data, loaded.positions)
        return None, problems, path
    problems += _cross_checks(manifest, loaded.positions)
    model = MnuboModel(manifest, file, loaded.positions)
    return (None if problems else model), problems, path


def _cross_checks(m: MnuboManifest, positions: PositionMap) -> list[ManifestProblem]:
    """Types name declared entities; an entity sits in a type at most once."""
    problems: list[ManifestProblem] = []
    groups: list[tuple[str, str, dict[str, Any], set[str], str]] = [
        ("object_types", "object_attributes", dict(m.object_types), set(m.object_attributes),
         "object attribute"),
        ("event_types", "timeseries", dict(m.event_types), set(m.timeseries), "timeseries"),
    ]  # fmt: skip
    for section, field, types, declared, noun in groups:
        for type_key, spec in types.items():
            seen: set[str] = set()
            for index, key in enumerate(getattr(spec, field)):
                path: PathKey = (section, type_key, field, index)
                if key not in declared:
                    problems.append(ManifestProblem(
                        positions.value(path), dotted(path),
                        f"{noun} `{key}` is not declared under `{field}:`",
                    ))  # fmt: skip
                elif key in seen:
                    problems.append(
                        ManifestProblem(
                            positions.value(path), dotted(path), f"`{key}` is listed twice"
                        )
                    )
                seen.add(key)
    return problems
