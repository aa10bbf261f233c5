"""impCentral's resources: products, device groups, deployments, device sets, webhooks.

Manifests (`desired`) and the impCentral API (`live`) are both translated into an
`ImpCentralState`, a map from address to these `Resource`s. The differ only ever compares
`Resource` values, so it never sees YAML or JSON:API shapes. Server ids, fingerprints and device
facts live beside the resources in the state (live side only); they are never compared.

Addresses (stable, human readable, used in plans, `--target` and fingerprints):

    product/<product>
    devicegroup/<product>/<group>
    deployment/<product>/<group>           the group's current code and its metadata
    devices/<product>/<group>              the set of devices assigned to the group
    webhook/<product>/<group>/<event>/<host>#<8 hex of sha256(url)>
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from impops import redact
from impops.engine.drift import OWNERSHIP_TAG, Attribution
from impops.engine.resource import Resource, sha256_text
from impops.engine.state import State

PROVIDER = "impcentral"


class GroupType(StrEnum):
    """The seven impCentral device-group types, by their short (impt-style) name."""

    DEVELOPMENT = "development"
    PRE_FACTORYFIXTURE = "pre_factoryfixture"
    PRE_DUT = "pre_dut"
    PRE_PRODUCTION = "pre_production"
    FACTORYFIXTURE = "factoryfixture"
    DUT = "dut"
    PRODUCTION = "production"

    @property
    def api_type(self) -> str:
        """The JSON:API `type` string, e.g. `production_devicegroup`."""
        return f"{self.value}_devicegroup"

    @classmethod
    def from_api(cls, api_type: str) -> GroupType:
        """Parse `production_devicegroup` (or the short name) into a GroupType."""
        return cls(api_type.removesuffix("_devicegroup"))

    @property
    def is_fixture(self) -> bool:
        """Fixture groups must name a production target and a DUT target."""
        return self in (GroupType.PRE_FACTORYFIXTURE, GroupType.FACTORYFIXTURE)

    @property
    def allows_region(self) -> bool:
        """`region` and `load_code_after_blessing` exist only on (pre-)production groups."""
        return self in (GroupType.PRE_PRODUCTION, GroupType.PRODUCTION)

    @property
    def is_protected(self) -> bool:
        """Deleting these reaches real factory lines or customers: always needs --force."""
        return self in (GroupType.PRODUCTION, GroupType.FACTORYFIXTURE, GroupType.DUT)

    @property
    def production_target_type(self) -> GroupType | None:
        """The type a fixture group's production_target must have (None: no targets)."""
        return {
            GroupType.PRE_FACTORYFIXTURE: GroupType.PRE_PRODUCTION,
            GroupType.FACTORYFIXTURE: GroupType.PRODUCTION,
        }.get(self)

    @property
    def dut_target_type(self) -> GroupType | None:
        """The type a fixture group's dut_target must have (None: no targets)."""
        return {
            GroupType.PRE_FACTORYFIXTURE: GroupType.PRE_DUT,
            GroupType.FACTORYFIXTURE: GroupType.DUT,
        }.get(self)


class RestartMode(StrEnum):
    """What happens to a group's devices after a new deployment."""

    NONE = "none"
    CONDITIONAL = "conditional"
    ALL = "all"


class Kind(StrEnum):
    """impCentral's resource kinds, in apply order (deletes run in reverse)."""

    PRODUCT = "product"
    DEVICE_GROUP = "devicegroup"
    DEPLOYMENT = "deployment"
    DEVICES = "devices"
    WEBHOOK = "webhook"


WEBHOOK_EVENTS = ("blessing", "blinkup", "deployment")
WEBHOOK_CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
IMPOPS_TAG = OWNERSHIP_TAG


class ImpCentralResource(Resource):
    """Every impCentral object belongs to a product, the scope of safety thresholds."""

    PROVIDER: ClassVar[str] = PROVIDER
    product: str

    @property
    def scope(self) -> str:
        return self.product

    def impact_key(self) -> str:
        """Devices are affected per device group: a group's children count with it."""
        group = getattr(self, "group", None)
        return f"devicegroup/{self.product}/{group}" if group else self.address


class Product(ImpCentralResource):
    kind: ClassVar[str] = Kind.PRODUCT
    KIND_RANK: ClassVar[int] = 100
    KIND_NOUN: ClassVar[str] = "products"
    description: str = ""

    @property
    def address(self) -> str:
        return f"product/{self.product}"

    @property
    def display_name(self) -> str:
        return self.product


class DeviceGroup(ImpCentralResource):
    kind: ClassVar[str] = Kind.DEVICE_GROUP
    KIND_RANK: ClassVar[int] = 200
    KIND_NOUN: ClassVar[str] = "device groups"
    name: str
    type: GroupType
    description: str = ""
    production_target: str | None = None  # group name within the same product
    dut_target: str | None = None
    env_vars: dict[str, str | int | float] = Field(default_factory=dict)
    region: str | None = None  # create-only in the API: a change means replacement
    load_code_after_blessing: bool | None = None  # (pre-)production only

    @property
    def address(self) -> str:
        return f"devicegroup/{self.product}/{self.name}"

    @property
    def display_name(self) -> str:
        return self.name

    def order_rank(self) -> int:
        """Fixture groups are created after, and deleted before, the groups they target."""
        return 1 if self.type.is_fixture else 0

    def impact_key(self) -> str:
        return self.address

    def undeclared_secrets(self) -> frozenset[str]:
        return frozenset(f"env_vars.{key}" for key in self.env_vars)


class CodeSource(BaseModel):
    """A source file a Builder-built side was made from: its digest and, for a GitHub
    include, the commit its ref resolved to."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    side: str  # agent or device
    name: str  # path relative to the manifest root, or github:owner/repo/path@ref
    sha256: str
    commit: str | None = None


class Deployment(ImpCentralResource):
    """A group's current code. Code is compared by digest; a change means a new deployment.

    `agent_code`/`device_code` carry the text for unified diffs but are not compared (the
    digests are). `restart` and `origin` are desired-side policy, never compared.
    With Builder, the code is the built code; `sources` records what it was built from (in
    plan files through `json_extras`, not compared: impCentral cannot know it) and
    `*_origins` the (source, line) of each built line, so diff hunks can name where they came
    from (never in plan files).
    `min_supported` desired True means "the group's min_supported_deployment must be its
    current deployment"; desired None means impops leaves it alone. Live: whether it is.
    """

    kind: ClassVar[str] = Kind.DEPLOYMENT
    KIND_RANK: ClassVar[int] = 300
    KIND_NOUN: ClassVar[str] = "deployments"
    # Code bodies and what is derived from them stay out of plan files; `json_extras` sums up.
    CODE_FIELDS: ClassVar[tuple[str, ...]] = (
        "agent_code",
        "device_code",
        "agent_origins",
        "device_origins",
        "sources",
    )
    META_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"sensitive", "source", "restart", "origin", *CODE_FIELDS}
    )
    group: str
    agent_sha256: str = ""  # derived from agent_code when not given
    device_sha256: str = ""  # derived from device_code when not given
    agent_code: str = ""
    device_code: str = ""
    description: str = ""
    tags: tuple[str, ...] = ()  # sorted, de-duplicated
    flagged: bool = False
    min_supported: bool | None = None
    restart: RestartMode = RestartMode.NONE
    origin: str = ""
    sources: tuple[CodeSource, ...] = ()
    agent_origins: tuple[tuple[str, int], ...] = ()
    device_origins: tuple[tuple[str, int], ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _digests_from_code(cls, data: Any) -> Any:
        """Both sides hash the exact code text the same way: derive, don't repeat it."""
        if isinstance(data, dict):
            for side in ("agent", "device"):
                if not data.get(f"{side}_sha256"):
                    data = {**data, f"{side}_sha256": sha256_text(data.get(f"{side}_code", ""))}
        return data

    @property
    def address(self) -> str:
        return f"deployment/{self.product}/{self.group}"

    @property
    def display_name(self) -> str:
        return self.group

    def code_files(self) -> dict[str, tuple[str, str]]:
        return {
            "agent.nut": (self.agent_sha256, self.agent_code),
            "device.nut": (self.device_sha256, self.device_code),
        }

    def code_origin(self, file: str, line: int) -> str | None:
        """`lib/utils.nut:12` for line `line` (1-based) of a built file, else None."""
        origins = {"agent.nut": self.agent_origins, "device.nut": self.device_origins}
        lines = origins.get(file, ())
        if not 1 <= line <= len(lines):
            return None
        name, source_line = lines[line - 1]
        return f"{name}:{source_line}"

    def json_extras(self) -> dict[str, Any]:
        """Line counts, and (Builder) the digest and commit of every source read."""
        extras: dict[str, Any] = {
            "agent_lines": len(self.agent_code.splitlines()),
            "device_lines": len(self.device_code.splitlines()),
        }
        if self.sources:
            extras["sources"] = [source.model_dump(mode="json") for source in self.sources]
        return extras

    def restart_on(self, action: str) -> str | None:
        """A new deployment (a create) restarts devices by the group's restart policy."""
        return self.restart.value if action == "create" else None


class DeviceAssignment(ImpCentralResource):
    """The devices a group holds. Desired refs may be ids, MACs or agent ids until resolved."""

    kind: ClassVar[str] = Kind.DEVICES
    KIND_RANK: ClassVar[int] = 400
    KIND_NOUN: ClassVar[str] = "device assignments"
    group: str
    devices: tuple[str, ...] = ()  # sorted canonical device ids once resolved

    @property
    def address(self) -> str:
        return f"devices/{self.product}/{self.group}"

    @property
    def display_name(self) -> str:
        return self.group


# Both URL functions are pure and run for every webhook on both sides of a plan, its address
# several times over (1,000 webhooks: 8,000 URL parses), so each URL is parsed once a process.
@functools.cache
def webhook_url_id(url: str) -> str:
    """Short identity of a webhook URL for addresses: host plus a digest, never the secret."""
    host = urlsplit(url).hostname or "invalid-url"
    return f"{host}#{hashlib.sha256(url.encode()).hexdigest()[:8]}"


@functools.cache
def url_has_credentials(url: str) -> bool:
    """Whether a URL carries credentials: userinfo (`user:pass@`) or a query string, the two
    places webhook receivers put tokens."""
    try:
        parts = urlsplit(url)
        return bool(parts.username or parts.password or parts.query)
    except ValueError:
        return True  # unparseable: treat as secret rather than risk printing it


class Webhook(ImpCentralResource):
    kind: ClassVar[str] = Kind.WEBHOOK
    KIND_RANK: ClassVar[int] = 500
    KIND_NOUN: ClassVar[str] = "webhooks"
    group: str
    event: str
    url: str
    content_type: str = "application/json"

    @model_validator(mode="before")
    @classmethod
    def _credentials_make_url_sensitive(cls, data: Any) -> Any:
        """A URL with credentials is sensitive wherever it came from: a literal in a manifest
        or a webhook read from live impCentral, not only a `${VAR}` or `!secret` value."""
        if isinstance(data, dict):
            url = data.get("url")
            if isinstance(url, str) and url_has_credentials(url):
                redact.register(url)
                data = {**data, "sensitive": frozenset(data.get("sensitive", ())) | {"url"}}
        return data

    @property
    def address(self) -> str:
        return f"webhook/{self.product}/{self.group}/{self.event}/{webhook_url_id(self.url)}"

    @property
    def display_name(self) -> str:
        return self.address.split("/", 3)[3]

    def undeclared_secrets(self) -> frozenset[str]:
        return frozenset({"url"})


AnyResource = Product | DeviceGroup | Deployment | DeviceAssignment | Webhook


@dataclass(frozen=True)
class LiveDevice:
    """A device as impCentral reports it (live side only)."""

    id: str
    mac_address: str = ""
    agent_id: str = ""
    name: str = ""
    group_address: str | None = None  # devicegroup/<product>/<group>, None when unassigned
    online: bool = False


# Facts about a live deployment that drift reports need (who, when, from where).
DeploymentInfo = Attribution


@dataclass
class ImpCentralState(State):
    """impCentral resources by address, plus (live side) what the API told us about them.

    `ids`: server id per address (product, group, current deployment, webhook).
    `fingerprints`: `updated_at` plus id per live object. `devices`: every device of the account
    read for the managed products, by device id. `deployments`: info on each group's current
    deployment, by deployment address. `min_supported_ids`: group address -> min supported
    deployment id.
    """

    resources: dict[str, AnyResource] = field(default_factory=dict)  # type: ignore[assignment]
    devices: dict[str, LiveDevice] = field(default_factory=dict)
    deployments: dict[str, DeploymentInfo] = field(default_factory=dict)
    min_supported_ids: dict[str, str] = field(default_factory=dict)
    # Desired side: product/group address -> the names it had before (`previous_names:`).
    previous_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Live side: undeclared products that carry impops' marker (see `undeclared`).
    undeclared_products: tuple[str, ...] = ()
    # Live side: `time.monotonic()` when the read began (0.0: not a live read).
    read_at: float = 0.0

    def products(self) -> set[str]:
        return {r.product for r in self.resources.values()}

    def find_device(self, ref: str) -> LiveDevice | None:
        """Resolve a device id, MAC address (any case, `:` or `-`) or agent id."""
        if ref in self.devices:
            return self.devices[ref]
        mac = ref.lower().replace("-", ":")
        for device in self.devices.values():
            if device.mac_address and device.mac_address.lower() == mac:
                return device
            if device.agent_id and device.agent_id == ref:
                return device
        return None
