"""The canonical resource model: the one currency of desired state, live state, diff and plan.

Manifests (`desired`) and the impCentral API (`live`) are both translated into
`State`, a map from address to `Resource`. The differ only ever compares `Resource` values, so
it never sees YAML or JSON:API shapes. Server ids, fingerprints and device facts live beside the
resources in `State` (live side only); they are never compared.

Addresses (stable, human readable, used in plans, `--target` and fingerprints):

    product/<product>
    devicegroup/<product>/<group>
    deployment/<product>/<group>           the group's current code and its metadata
    devices/<product>/<group>              the set of devices assigned to the group
    webhook/<product>/<group>/<event>/<host>#<8 hex of sha256(url)>
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from impops import redact
from impops.errors import SourcePosition


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
    """Resource kinds, in apply order (deletes run in reverse)."""

    PRODUCT = "product"
    DEVICE_GROUP = "devicegroup"
    DEPLOYMENT = "deployment"
    DEVICES = "devices"
    WEBHOOK = "webhook"


WEBHOOK_EVENTS = ("blessing", "blinkup", "deployment")
WEBHOOK_CONTENT_TYPES = ("application/json", "application/x-www-form-urlencoded")
IMPOPS_TAG = "impops"


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the exact UTF-8 bytes of `text` (code identity: no normalisation)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Resource(BaseModel):
    """Base of every managed object. Frozen; equality of `comparable()` means "no change".

    `sensitive` lists the dotted field paths whose values are secret (e.g. `url`,
    `env_vars.API_KEY`); renderers and plan files show fingerprints instead. `source` is where
    the object was declared (desired side only). Neither takes part in comparison.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[Kind]
    # Fields that never take part in comparison.
    META_FIELDS: ClassVar[frozenset[str]] = frozenset({"sensitive", "source"})

    product: str
    sensitive: frozenset[str] = frozenset()
    source: SourcePosition | None = None

    @property
    def address(self) -> str:
        raise NotImplementedError

    def comparable(self) -> dict[str, Any]:
        """The fields the differ compares, as plain JSON-able data."""
        return self.model_dump(mode="json", exclude=set(self.META_FIELDS))


class Product(Resource):
    kind: ClassVar[Kind] = Kind.PRODUCT
    description: str = ""

    @property
    def address(self) -> str:
        return f"product/{self.product}"


class DeviceGroup(Resource):
    kind: ClassVar[Kind] = Kind.DEVICE_GROUP
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


class Deployment(Resource):
    """A group's current code. Code is compared by digest; a change means a new deployment.

    `agent_code`/`device_code` carry the text for unified diffs but are not compared (the
    digests are). `restart` and `origin` are desired-side policy, never compared.
    `min_supported` desired True means "the group's min_supported_deployment must be its
    current deployment"; desired None means impops leaves it alone. Live: whether it is.
    """

    kind: ClassVar[Kind] = Kind.DEPLOYMENT
    META_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"sensitive", "source", "agent_code", "device_code", "restart", "origin"}
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


class DeviceAssignment(Resource):
    """The devices a group holds. Desired refs may be ids, MACs or agent ids until resolved."""

    kind: ClassVar[Kind] = Kind.DEVICES
    group: str
    devices: tuple[str, ...] = ()  # sorted canonical device ids once resolved

    @property
    def address(self) -> str:
        return f"devices/{self.product}/{self.group}"


def webhook_url_id(url: str) -> str:
    """Short identity of a webhook URL for addresses: host plus a digest, never the secret."""
    host = urlsplit(url).hostname or "invalid-url"
    return f"{host}#{hashlib.sha256(url.encode()).hexdigest()[:8]}"


def url_has_credentials(url: str) -> bool:
    """Whether a URL carries credentials: userinfo (`user:pass@`) or a query string, the two
    places webhook receivers put tokens."""
    try:
        parts = urlsplit(url)
        return bool(parts.username or parts.password or parts.query)
    except ValueError:
        return True  # unparseable: treat as secret rather than risk printing it


class Webhook(Resource):
    kind: ClassVar[Kind] = Kind.WEBHOOK
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


@dataclass(frozen=True)
class DeploymentInfo:
    """Facts about a live deployment that drift reports need (who, when, from where)."""

    id: str
    created_at: str = ""
    updated_at: str = ""
    creator_id: str = ""
    origin: str = ""
    tags: tuple[str, ...] = ()
    sha: str = ""

    @property
    def made_by_impops(self) -> bool:
        return IMPOPS_TAG in self.tags


@dataclass
class State:
    """Resources by address, plus (live side) what the API told us about them.

    `ids`: server id per address (product, group, current deployment, webhook).
    `fingerprints`: a value that changes whenever the live object changes (e.g. `updated_at`
    plus id), used by saved plans to detect staleness. `devices`: every device of the account
    read for the managed products, by device id. `deployments`: info on each group's current
    deployment, by deployment address. `min_supported_ids`: group address -> min supported
    deployment id.
    """

    resources: dict[str, AnyResource] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, str] = field(default_factory=dict)
    devices: dict[str, LiveDevice] = field(default_factory=dict)
    deployments: dict[str, DeploymentInfo] = field(default_factory=dict)
    min_supported_ids: dict[str, str] = field(default_factory=dict)

    def add(self, resource: AnyResource) -> None:
        """Add a resource; a second one at the same address is a programming error."""
        if resource.address in self.resources:
            raise ValueError(f"duplicate resource address {resource.address}")
        self.resources[resource.address] = resource

    def of_kind(self, kind: Kind) -> list[AnyResource]:
        return [r for r in self.resources.values() if r.kind is kind]

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
