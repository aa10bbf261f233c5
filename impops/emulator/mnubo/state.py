"""The Mnubo emulator's state: two zones (model and ingested data), OAuth clients and tokens,
pending deploy and reset codes, and the `mnubo:` section of the seed.

One `threading.RLock` guards everything, both zones included, because a deploy writes the
production zone from a sandbox request. Everything is JSON-able for `--state`.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from impops.emulator.http.messages import Request, Response
from impops.emulator.mnubo.vocabulary import HIGH_LEVEL_TYPES, KINDS, RELATIONS

Rec = dict[str, Any]
ZONES = ("sandbox", "production")
CODE_LIFETIME = 300  # seconds a deploy or reset code stays valid (decision M4)
STATE_FORMAT = 1
DEFAULT_CLIENTS = {
    "sandbox": [{"id": "sandbox-client", "secret": "sandbox-secret"}],
    "production": [{"id": "production-client", "secret": "production-secret"}],
}
# A guess at the real 401 bodies (reference §1.4 [INF]); configurable in the seed.
DEFAULT_UNAUTHORIZED = {"error": "unauthorized", "error_description": "Bad credentials"}
DEFAULT_INVALID_TOKEN = {"error": "invalid_token", "error_description": "Invalid access token"}
_SEED_KEYS = {"sandbox", "production", "high_level_types", "unauthorized_body", "token_body"}
_ZONE_KEYS = {"clients", "app_tokens", "model"}


@dataclass
class Ctx:
    """What a Mnubo handler works on: the whole state and the zone the request came to."""

    state: MnuboState
    zone: Zone

    @property
    def sandbox(self) -> bool:
        return self.zone.name == "sandbox"


Handler = Callable[[Ctx, Request, dict[str, str]], Response]


class MnuboSeedError(ValueError):
    """The `mnubo:` section of the seed is not in the documented format."""


@dataclass
class Zone:
    """One zone's model (by kind, keyed by lower-case key), relations and ingested data."""

    name: str
    model: dict[str, dict[str, Rec]] = field(default_factory=lambda: {k: {} for k in KINDS})
    # type kind -> type key -> related entity keys, in the order they were linked
    links: dict[str, dict[str, list[str]]] = field(
        default_factory=lambda: {k: {} for k in RELATIONS}
    )
    objects: dict[str, Rec] = field(default_factory=dict)  # by x_device_id (case kept)
    owners: dict[str, Rec] = field(default_factory=dict)  # by username
    events: dict[str, Rec] = field(default_factory=dict)  # by event_id

    def types_of(self, type_kind: str, entity_key: str) -> list[str]:
        """The keys of the `type_kind` types an entity is linked to."""
        return [t for t, keys in self.links[type_kind].items() if entity_key in keys]

    def to_json(self) -> Rec:
        return {
            "model": self.model,
            "links": self.links,
            "objects": self.objects,
            "owners": self.owners,
            "events": self.events,
        }

    @classmethod
    def from_json(cls, name: str, data: Rec) -> Zone:
        zone = cls(name)
        for kind in KINDS:
            zone.model[kind] = dict(data.get("model", {}).get(kind, {}))
        for kind in RELATIONS:
            zone.links[kind] = {k: list(v) for k, v in data.get("links", {}).get(kind, {}).items()}
        zone.objects = dict(data.get("objects", {}))
        zone.owners = dict(data.get("owners", {}))
        zone.events = dict(data.get("events", {}))
        return zone


class MnuboState:
    """Both zones plus credentials; callers hold `lock` while reading or mutating."""

    def __init__(self, seed: Rec | None, token_lifetime: int) -> None:
        self.lock = threading.RLock()
        self.seed = seed or {}
        self.token_lifetime = token_lifetime
        _check_seed(self.seed)
        self.high_level_types = tuple(self.seed.get("high_level_types") or HIGH_LEVEL_TYPES)
        self.unauthorized_body: Any = self.seed.get("unauthorized_body", DEFAULT_UNAUTHORIZED)
        self.invalid_token_body: Any = self.seed.get("token_body", DEFAULT_INVALID_TOKEN)
        self.reset()

    def reset(self) -> None:
        """Back to the seed: clients, static tokens, the seeded models, no data or tokens."""
        with self.lock:
            self.zones = {name: Zone(name) for name in ZONES}
            self.clients: dict[str, dict[str, str]] = {}  # zone -> client id -> secret
            self.app_tokens: dict[str, dict[str, str]] = {}  # token -> {zone, scope}
            # token -> {zone, client, scope, expires}
            self.tokens: dict[str, Rec] = {}
            self.codes: dict[str, Rec] = {}  # code -> {zone, action, kind?, key?, expires}
            for name in ZONES:
                spec = self.seed.get(name) or {}
                clients = spec.get("clients", DEFAULT_CLIENTS[name])
                self.clients[name] = {str(c["id"]): str(c["secret"]) for c in clients}
                for token in spec.get("app_tokens") or []:
                    self.app_tokens[str(token)] = {"zone": name, "scope": "ALL"}
                if spec.get("model"):
                    from impops.emulator.mnubo.model import load_export

                    load_export(self.zones[name], spec["model"])

    def zone(self, name: str) -> Zone:
        return self.zones[name]

    def expire_tokens(self) -> int:
        with self.lock:
            for entry in self.tokens.values():
                entry["expires"] = 0
            return len(self.tokens)

    # --- persistence ---------------------------------------------------------------------

    def snapshot(self) -> Rec:
        now = time.time()
        with self.lock:
            return copy.deepcopy(
                {
                    "format": STATE_FORMAT,
                    "zones": {name: zone.to_json() for name, zone in self.zones.items()},
                    "clients": self.clients,
                    "tokens": {k: v for k, v in self.tokens.items() if v["expires"] > now},
                }
            )

    def restore(self, state: Rec) -> None:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported Mnubo state format: {state.get('format')!r}")
        with self.lock:
            self.reset()
            data = copy.deepcopy(state)
            self.zones = {n: Zone.from_json(n, data["zones"].get(n, {})) for n in ZONES}
            self.clients = data.get("clients", self.clients)
            self.tokens = data.get("tokens", {})

    def dump(self) -> Rec:
        """The state for `GET /_emulator/state`: secrets and token values left out."""
        with self.lock:
            zones = {name: zone.to_json() for name, zone in self.zones.items()}
            for zone in zones.values():
                zone["owners"] = {u: public_owner(o) for u, o in zone["owners"].items()}
            return copy.deepcopy(
                {
                    "zones": zones,
                    "clients": {z: sorted(c) for z, c in self.clients.items()},
                    "tokens": len(self.tokens),
                }
            )


def public_owner(owner: Rec) -> Rec:
    """An owner without its password (never shown, not even by the admin API)."""
    return {k: v for k, v in owner.items() if k != "x_password"}


def _check_seed(seed: Rec) -> None:
    if not isinstance(seed, dict):
        raise MnuboSeedError("'mnubo' must be a mapping")
    unknown = set(seed) - _SEED_KEYS
    if unknown:
        raise MnuboSeedError(f"unknown mnubo seed keys: {sorted(unknown)}")
    for name in ZONES:
        spec = seed.get(name) or {}
        if not isinstance(spec, dict) or set(spec) - _ZONE_KEYS:
            raise MnuboSeedError(f"mnubo.{name} may only have {sorted(_ZONE_KEYS)}")
        for client in spec.get("clients", []):
            if not isinstance(client, dict) or set(client) != {"id", "secret"}:
                raise MnuboSeedError(f"each mnubo.{name}.clients item needs id and secret only")
    types = seed.get("high_level_types")
    if types is not None and (not isinstance(types, list) or not types):
        raise MnuboSeedError("mnubo.high_level_types must be a non-empty list")
