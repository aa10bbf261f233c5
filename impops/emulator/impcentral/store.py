"""The emulator's state: collections of records, secondary indices, ids, and persistence.

Every record is a plain JSON-able dict `{"type", "id", "attributes", "relationships", ...}`
plus private keys starting with `_` (never emitted). One `threading.RLock` guards the whole
store; handlers hold it for the duration of a request, which is short because every lookup
goes through an index (by id, by owner, by product, by group, devices by MAC and agent id,
names per scope) rather than a scan.

`snapshot()`/`restore()` give the impCentral part of the `--state` file
(`impops.emulator.http.persistence` writes it).
"""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from impops.emulator.impcentral.jsonapi import Rec, now_iso

KINDS = (
    "accounts",
    "products",
    "devicegroups",
    "devices",
    "deployments",
    "webhooks",
    "login_keys",
    "refresh_tokens",
)
STATE_FORMAT = 1
AGENT_ALPHABET = string.ascii_letters + string.digits + "_-"


def set_sort_key(rec: Rec) -> None:
    """Precompute the list order key (created_at, then id) so sorting runs at C speed."""
    rec["_sort"] = f"{rec.get('attributes', {}).get('created_at', '')}|{rec['id']}"


def _rel_id(rec: Rec, name: str) -> str | None:
    value = rec.get("relationships", {}).get(name)
    return value["id"] if value else None


def _index_entries(kind: str, rec: Rec) -> list[tuple[str, Any]]:
    """The (index, key) pairs a record is filed under; see `Store.ids`."""
    owner = _rel_id(rec, "owner")
    entries: list[tuple[str, Any]] = []
    if owner is not None:
        entries.append(("owner", owner))
    attrs = rec.get("attributes", {})
    if kind == "products":
        entries.append(("name", (owner, str(attrs.get("name", "")).casefold())))
    elif kind == "devicegroups":
        product = _rel_id(rec, "product")
        entries += [("product", product), ("name", (product, str(attrs["name"]).casefold()))]
        for target in ("production_target", "dut_target"):
            target_id = _rel_id(rec, target)
            if target_id:
                entries.append(("target", target_id))
    elif kind == "devices":
        entries += [("group", _rel_id(rec, "devicegroup")), ("mac", attrs.get("mac_address"))]
        # The agent id stays with the device once it has one, even while it is unassigned
        # and shows agent_id "" ([SPEC] device_groups.spec.js re-adds devices by agent id).
        if rec.get("_agent_id"):
            entries.append(("agent", rec["_agent_id"]))
    elif kind == "deployments":
        entries += [("group", _rel_id(rec, "devicegroup")), ("product", _rel_id(rec, "product"))]
    elif kind == "webhooks":
        entries.append(("group", _rel_id(rec, "devicegroup")))
    elif kind in ("login_keys", "refresh_tokens"):
        entries.append(("account", rec["_account"]))
        if kind == "refresh_tokens":
            entries.append(("token", rec["_token"]))
    return entries


class Store:
    """All emulator state plus indices. Callers hold `lock` while reading or mutating."""

    def __init__(self, rng_seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.clear(rng_seed)

    def clear(self, rng_seed: int = 0) -> None:
        self.collections: dict[str, dict[str, Rec]] = {kind: {} for kind in KINDS}
        # account id -> {"password", "totp_secret", "production", "unbond_key"}
        self.account_auth: dict[str, Rec] = {}
        # token -> {"account": id, "expires": epoch seconds}
        self.access_tokens: dict[str, Rec] = {}
        self.login_tokens: dict[str, Rec] = {}
        self.device_logs: dict[str, list[Rec]] = {}  # chronological; emitted newest first
        self.seq = 0
        self.last_stamp_ms = 0
        self.rng = random.Random(rng_seed)
        self._idx: dict[tuple[str, str], dict[Any, dict[str, None]]] = {}

    # --- ids -----------------------------------------------------------------------------

    def new_id(self) -> str:
        """8-4-4-4-12 lowercase hex; deliberately not an RFC 4122 UUID (reference 10)."""
        h = f"{self.rng.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def new_hex(self, length: int) -> str:
        return f"{self.rng.getrandbits(length * 4):0{length}x}"

    def new_agent_id(self) -> str:
        while True:
            agent = "".join(self.rng.choice(AGENT_ALPHABET) for _ in range(12))
            if not self.ids("devices", "agent", agent):
                return agent

    def created_now(self) -> str:
        """A creation timestamp (ms) strictly after the previous one.

        Lists are ordered by created_at then id; unique stamps make that the creation order
        even for objects created within the same millisecond (at most a few ms of drift
        under heavy load).
        """
        ms = max(int(time.time() * 1000), self.last_stamp_ms + 1)
        self.last_stamp_ms = ms
        return now_iso(ms / 1000)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    # --- records and indices -------------------------------------------------------------

    def get(self, kind: str, ident: str) -> Rec | None:
        return self.collections[kind].get(ident)

    def add(self, kind: str, rec: Rec) -> Rec:
        rec.setdefault("_seq", self.next_seq())
        set_sort_key(rec)
        self.collections[kind][rec["id"]] = rec
        self._file(kind, rec)
        return rec

    def remove(self, kind: str, rec: Rec) -> None:
        self._unfile(kind, rec)
        del self.collections[kind][rec["id"]]

    @contextmanager
    def changing(self, kind: str, rec: Rec) -> Iterator[Rec]:
        """Mutate an indexed record: unfile it, let the caller change it, file it again."""
        self._unfile(kind, rec)
        try:
            yield rec
        finally:
            self._file(kind, rec)

    def ids(self, kind: str, index: str, key: Any) -> list[str]:
        """Ids of `kind` records filed under `key` in `index`, in insertion order."""
        return list(self._idx.get((kind, index), {}).get(key, {}))

    def records(self, kind: str, index: str, key: Any) -> list[Rec]:
        coll = self.collections[kind]
        return [coll[i] for i in self.ids(kind, index, key)]

    def _file(self, kind: str, rec: Rec) -> None:
        for index, key in _index_entries(kind, rec):
            self._idx.setdefault((kind, index), {}).setdefault(key, {})[rec["id"]] = None

    def _unfile(self, kind: str, rec: Rec) -> None:
        for index, key in _index_entries(kind, rec):
            bucket = self._idx.get((kind, index), {}).get(key)
            if bucket is not None:
                bucket.pop(rec["id"], None)
                if not bucket:
                    del self._idx[(kind, index)][key]

    def reindex(self) -> None:
        self._idx = {}
        for kind, coll in self.collections.items():
            for rec in coll.values():
                self._file(kind, rec)

    # --- devices -------------------------------------------------------------------------

    def find_device(self, ident: str, account: str | None = None) -> Rec | None:
        """A device by id, MAC (any case, `:` or `-` separated) or agent id."""
        rec = self.collections["devices"].get(ident.lower())
        if rec is None:
            mac = ident.lower().replace("-", ":")
            ids = self.ids("devices", "mac", mac) or self.ids("devices", "agent", ident)
            rec = self.collections["devices"][ids[0]] if ids else None
        if rec is not None and account is not None and _rel_id(rec, "owner") != account:
            return None
        return rec

    # --- persistence ---------------------------------------------------------------------

    def snapshot(self) -> Rec:
        """The whole state as JSON-able data (call with the lock held)."""
        now = time.time()
        state: Rec = {
            "format": STATE_FORMAT,
            "seq": self.seq,
            "rng": _rng_to_json(self.rng),
            "collections": self.collections,
            "account_auth": self.account_auth,
            "access_tokens": {k: v for k, v in self.access_tokens.items() if v["expires"] > now},
            "device_logs": self.device_logs,
        }
        return state

    def restore(self, state: Rec) -> None:
        if state.get("format") != STATE_FORMAT:
            raise ValueError(f"unsupported emulator state format: {state.get('format')!r}")
        self.clear()
        self.seq = int(state["seq"])
        self.rng.setstate(_rng_from_json(state["rng"]))
        for kind in KINDS:
            self.collections[kind] = dict(state["collections"].get(kind, {}))
        self.account_auth = dict(state["account_auth"])
        self.access_tokens = dict(state.get("access_tokens", {}))
        self.device_logs = {k: list(v) for k, v in state.get("device_logs", {}).items()}
        self.reindex()


def _rng_to_json(rng: random.Random) -> list[Any]:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]


def _rng_from_json(data: list[Any]) -> tuple[Any, ...]:
    return (data[0], tuple(data[1]), data[2])
