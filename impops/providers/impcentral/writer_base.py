"""State and checks every impCentral write shares: ids, expected fingerprints, locks.

`WriterBase` holds what one apply learns as it goes (ids of objects it created, the
fingerprints it expects, groups' types, restarts owed) and the checks every write makes
before it writes (`require_id`, `check_fingerprint`). The process-wide per-object locks make a
re-read and the write that depends on it atomic against any other apply in this process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from impops.engine.apply import Skip
from impops.errors import PlanError
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.lock import ApplyLock
from impops.providers.impcentral.model import (
    DeviceGroup,
    GroupType,
    ImpCentralState,
    Kind,
    RestartMode,
)
from impops.providers.impcentral.translate import fingerprint_of

Doc = dict[str, Any]

# Process-wide locks per object id: a re-read and the write that depends on it are atomic with
# respect to any other apply in this process.
_locks_guard = threading.Lock()
_locks: dict[str, threading.Lock] = {}
# Deployments this process made per group id (under the group's deploy lock): a group read
# before the last of them is stale for the re-check (see `CodeWrites.prepare`).
deploy_counts: dict[str, int] = {}


def deploy_counts_now() -> dict[str, int]:
    with _locks_guard:
        return dict(deploy_counts)


@contextmanager
def object_lock(key: str) -> Iterator[None]:
    with _locks_guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        yield


class WriterBase:
    """What every write of one apply shares (see the module docstring)."""

    def __init__(
        self,
        client: ImpCentralClient,
        desired: ImpCentralState,
        live: ImpCentralState,
        *,
        git_sha: str | None,
        unbond_key: str | None,
        lock: ApplyLock | None = None,
    ) -> None:
        self.client = client
        self.desired = desired
        self.live = live
        self.git_sha = git_sha
        self.unbond_key = unbond_key
        self.lock = lock
        self.ids: dict[str, str] = dict(live.ids)
        self.expected: dict[str, str] = dict(live.fingerprints)
        self.group_types: dict[str, GroupType] = {}
        for state in (live, desired):
            for r in state.of_kind(Kind.DEVICE_GROUP):
                assert isinstance(r, DeviceGroup)
                self.group_types[r.address] = r.type
        # group address -> (mode, deployment id whose pending-restart tag to clear)
        self.restarts: dict[str, tuple[RestartMode, str]] = {}
        self.blocked: set[str] = set()  # addresses whose change was skipped or failed
        self.retiring: list[DeviceGroup] = []  # replaced groups, deleted once emptied
        self.key = client.endpoint  # locks are per impCentral
        # Group views `prepare` gave a wave: id -> (current deployment id, this process's
        # deploy count to the group then).
        self.refreshed: dict[str, tuple[str | None, int]] = {}
        self.deployed_any = False  # whether this writer made a deployment yet

    # --- helpers -------------------------------------------------------------------------

    def group_address(self, product: str, group: str) -> str:
        return f"devicegroup/{product}/{group}"

    def require_id(self, address: str) -> str:
        if address in self.blocked:
            raise Skip(f"depends on {address}, which was not applied")
        ident = self.ids.get(address)
        if ident is None:
            raise Skip(f"depends on {address}, which does not exist")
        return ident

    def own_write(self, address: str) -> None:
        """This run changed the object indirectly (e.g. a group's deployment or devices), which
        may move its `updated_at`: later steps of this run must not take that for someone
        else's change."""
        self.expected.pop(address, None)

    def check_fingerprint(self, address: str, doc: Mapping[str, Any]) -> None:
        want = self.expected.get(address)
        if want is not None and fingerprint_of(doc) != want:
            raise Skip("moved since planning")

    def target_ref(self, product: str, name: str | None) -> dict[str, str] | None:
        if name is None:
            return None
        address = self.group_address(product, name)
        gtype = self.group_types.get(address)
        if gtype is None:
            raise PlanError(f"target group {name!r} of product {product!r} is unknown")
        return {"type": gtype.api_type, "id": self.require_id(address)}

    def unbond_for(self, gtype: GroupType | None) -> str | None:
        return self.unbond_key if gtype is GroupType.PRODUCTION else None
