"""The manifest schema: pydantic models of `impops.yaml` and of a product file.

These models are the single schema: the loader validates with them (strict types, unknown keys
forbidden) and `impops schema` generates the published JSON Schema from them. Rules that need
more than one field or more than one file (targets, uniqueness, code files) live in
`impops.manifest.validate`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints
from pydantic import Tag as UnionTag

from impops.manifest.mnubo import MNUBO_PATTERN_MESSAGES, MnuboKey
from impops.providers.impcentral.model import WEBHOOK_CONTENT_TYPES, WEBHOOK_EVENTS

# Names: 1-80 characters (impCentral's limit). `/` is refused because addresses use it as the
# separator; control characters and surrounding blanks because nobody means them.
NAME_PATTERN = r"^[^/\s\x00-\x1f\x7f](?:[^/\x00-\x1f\x7f]{0,78}[^/\s\x00-\x1f\x7f])?$"
TAG_PATTERN = r"^[A-Za-z0-9_\-*.]+$"
# impCentral documents "alphanumeric, starting with a letter"; `_` is accepted too because the
# values are read in Squirrel as `__VARS.API_KEY`, where `_` is a normal identifier character.
ENV_KEY_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"
VAR_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
DEVICE_REF_PATTERN = (
    r"^(?:[0-9A-Fa-f]{16}"  # device id
    r"|[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5}"  # MAC
    r"|[A-Za-z0-9_-]{12})$"  # agent id
)
MAX_DESCRIPTION = 255
MAX_TAGS_TOTAL = 500

# Friendly messages for pattern errors, keyed by pattern (used by the loader).
PATTERN_MESSAGES = {
    NAME_PATTERN: "names are 1-80 characters, without `/`, control characters or surrounding "
    "blanks",
    TAG_PATTERN: "tags use letters, digits, `_`, `-`, `*` and `.` only",
    ENV_KEY_PATTERN: "env_vars keys start with a letter, then letters, digits or `_`",
    VAR_NAME_PATTERN: "variable names are letters, digits and `_`, not starting with a digit",
    DEVICE_REF_PATTERN: "a device is a 16-hex device id, a MAC address (aa:bb:cc:dd:ee:ff) or "
    "a 12-character agent id",
}
PATTERN_MESSAGES |= MNUBO_PATTERN_MESSAGES

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION)]
Tag = Annotated[str, StringConstraints(pattern=TAG_PATTERN)]
EnvKey = Annotated[str, StringConstraints(pattern=ENV_KEY_PATTERN)]
VarName = Annotated[str, StringConstraints(pattern=VAR_NAME_PATTERN)]
DeviceRef = Annotated[str, StringConstraints(pattern=DEVICE_REF_PATTERN)]
GroupTypeName = Literal[
    "development",
    "pre_production",
    "production",
    "pre_factoryfixture",
    "factoryfixture",
    "pre_dut",
    "dut",
]
RestartName = Literal["none", "conditional", "all"]
WebhookEvent = Literal["blessing", "blinkup", "deployment"]
ContentType = Literal["application/json", "application/x-www-form-urlencoded"]
assert set(WebhookEvent.__args__) == set(WEBHOOK_EVENTS)  # type: ignore[attr-defined]
assert set(ContentType.__args__) == set(WEBHOOK_CONTENT_TYPES)  # type: ignore[attr-defined]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SafetyConfig(_Model):
    """Safety thresholds; unset fields inherit (product <- project <- built-in defaults)."""

    update_pcent_threshold: float | None = Field(
        None, ge=0, le=1, description="Largest share of a product's objects one plan may update."
    )
    delete_pcent_threshold: float | None = Field(
        None, ge=0, le=1, description="Largest share of a product's objects one plan may delete."
    )
    min_existing: int | None = Field(
        None, ge=0, description="The shares apply only from this many live objects on."
    )
    max_devices_affected: int | None = Field(
        None, ge=0, description="Most devices one plan may redeploy or restart (null: no limit)."
    )


class DeploymentSettings(_Model):
    """Settings of the deployments impops creates (and of the current one, where writable)."""

    description: str | None = Field(None, description="Deployment description.")
    tags: list[Tag] | None = Field(
        None, description="Tags; `impops` is always added. 500 characters in total at most."
    )
    flagged: bool | None = Field(None, description="Flagged deployments cannot be deleted.")
    min_supported: bool | None = Field(
        None,
        description="true: a new deployment becomes the group's minimum supported deployment. "
        "Unset: impops leaves the minimum alone.",
    )
    restart: RestartName | None = Field(
        None, description="Restart the group's devices after a new deployment (default none)."
    )


BuilderValue = str | int | float | bool


class BuilderSettings(_Model):
    """Builder preprocessing of a group's code (docs/builder.md); presence turns it on."""

    variables: dict[VarName, BuilderValue] = Field(
        default_factory=dict,
        description="Builder variables (like pleasebuild's -D); group values override the "
        "project default name by name. May use ${VAR} or !secret (then masked in messages).",
    )
    line_control: bool | None = Field(
        None, description="Emit `#line` markers (pleasebuild -l); default false."
    )


def _builder_tag(value: object) -> str | None:
    if isinstance(value, bool):
        return "switch"
    return "settings" if isinstance(value, dict | BuilderSettings) else None


UNION_TAGS = frozenset({"switch", "settings"})  # loc parts naming a tagged union's member
# `true`/`false` or a settings map; tagged so an error names the map's key, not both members.
BuilderChoice = Annotated[
    Annotated[bool, UnionTag("switch")] | Annotated[BuilderSettings, UnionTag("settings")],
    Discriminator(
        _builder_tag,
        custom_error_type="builder_choice",
        custom_error_message="expected true, false or a map (variables, line_control)",
    ),
]


class CodeDefaults(_Model):
    """Defaults of every group's `code:` section."""

    builder: BuilderChoice | None = Field(
        None,
        description="Preprocess code with Builder: true, or settings (variables, line_control) "
        "every group inherits; a group's `builder: false` turns it off.",
    )


class Defaults(_Model):
    """Project-wide defaults."""

    deployment: DeploymentSettings = Field(
        default_factory=DeploymentSettings,
        description="Deployment settings every group inherits field by field.",
    )
    code: CodeDefaults = Field(
        default_factory=CodeDefaults, description="Defaults of every group's `code:` section."
    )


class ProjectManifest(_Model):
    """`impops.yaml`: the manifest root."""

    model_config = ConfigDict(title="impops project file (impops.yaml)")

    version: Literal[1] = Field(description="Manifest format version.")
    endpoint: str | None = Field(
        None, description="impCentral API base URL; IMPOPS_ENDPOINT overrides it."
    )
    products: list[str] = Field(
        min_length=1,
        description="Product files (paths or globs relative to this file). Only the products "
        "they declare are read and changed.",
    )
    retired_products: list[Name] = Field(
        default_factory=list,
        description="Products still managed but no longer declared: with prune, impops deletes "
        "everything in them.",
    )
    prune: bool = Field(False, description="Delete managed objects absent from the manifests.")
    safety: SafetyConfig = Field(default_factory=SafetyConfig)
    defaults: Defaults = Field(default_factory=Defaults)
    vars: dict[VarName, str | int | float] = Field(
        default_factory=dict,
        description="Defaults for ${VAR} references; the environment takes precedence.",
    )
    mnubo: str | None = Field(
        None, description="Mnubo SmartObjects model file, relative to this file (docs/mnubo.md)."
    )


class Code(_Model):
    """Code files, relative to the product file. An omitted side deploys empty code."""

    agent: str | None = Field(None, description="Agent code file (Squirrel).")
    device: str | None = Field(None, description="Device code file (Squirrel).")
    builder: BuilderChoice | None = Field(
        None,
        description="Preprocess both sides with Builder (@include, @set, @if ...): true, false "
        "or settings. Unset: the project's defaults.code.builder.",
    )


class WebhookManifest(_Model):
    """A webhook; identity is (event, url) within its group."""

    event: WebhookEvent = Field(
        description="blessing and blinkup only on pre_production/production groups."
    )
    url: str = Field(description="http(s) URL; may use ${VAR} (then it is redacted).")
    content_type: ContentType = "application/json"


class DeviceGroupManifest(_Model):
    """One device group (the map key is its name)."""

    type: GroupTypeName
    previous_names: list[Name] = Field(
        default_factory=list,
        description="Names this group had before: a live group under one of them (and none "
        "under the current name) is renamed in place, keeping its id, devices and agent URLs.",
    )
    description: Description = ""
    production_target: Name | None = Field(
        None, description="Fixture groups only: name of a (pre_)production group of this product."
    )
    dut_target: Name | None = Field(
        None, description="Fixture groups only: name of a (pre_)dut group of this product."
    )
    env_vars: dict[EnvKey, str | int | float] = Field(
        default_factory=dict, description="Environment variables (strings or numbers)."
    )
    region: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        None, description="pre_production/production only; set at creation."
    )
    load_code_after_blessing: bool | None = Field(
        None, description="pre_production/production only; unset: impops leaves it alone."
    )
    code: Code | None = Field(None, description="Absent: impops does not manage the code.")
    deployment: DeploymentSettings = Field(default_factory=DeploymentSettings)
    devices: list[DeviceRef] | None = Field(
        None,
        description="Absent: assignment is not managed. A list (even empty) is the exact set.",
    )
    webhooks: list[WebhookManifest] = Field(default_factory=list)
    mnubo_object_type: MnuboKey | None = Field(
        None,
        description="Register every device of this group as a Mnubo object of this type "
        "(production groups in the production zone, the others in the sandbox).",
    )


class ProductManifest(_Model):
    """A product file: one product and its device groups."""

    model_config = ConfigDict(title="impops product file")

    product: Name = Field(description="Product name (identity; 1-80 characters).")
    previous_names: list[Name] = Field(
        default_factory=list,
        description="Names this product had before: a live product under one of them (and none "
        "under the current name) is renamed in place, keeping its id and everything in it.",
    )
    description: Description = ""
    safety: SafetyConfig | None = Field(None, description="Overrides of the project's safety.")
    device_groups: dict[Name, DeviceGroupManifest] = Field(default_factory=dict)
