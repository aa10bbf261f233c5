"""The Plan: diffed changes in apply order, guarded by safety rules, checksummed, saveable.

`build_plan` is pure apart from its timestamp: the same desired and live `State` (and the same
fingerprint key) always give the same ordered changes and the same checksum. The plan JSON
(`Plan.to_dict`, `Plan.save`) is the plan file itself: versioned, secrets replaced by HMAC
fingerprints, code summarised by digest. See docs/plan.md for the schema and the decisions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from impops import __version__
from impops.engine.change import Action, Change
from impops.engine.safety import SafetyReport, SafetyThresholds, evaluate
from impops.errors import PlanError, StalePlanError
from impops.providers.impcentral.diff import UNMANAGED_REASONS, Unmanaged, diff
from impops.providers.impcentral.model import (
    AnyResource,
    Deployment,
    DeviceGroup,
    Kind,
    State,
    Webhook,
)
from impops.render.values import field_json, resource_json, resource_name, sensitive_mask

FORMAT_VERSION = "1.0"
_KIND_RANK = {kind: rank for rank, kind in enumerate(Kind)}  # Kind is declared in apply order


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: pruning, force, per-product thresholds (`*` = default) and targeting globs.

    `managed_products` widens the scope beyond the products the manifests declare: a managed
    product that is no longer declared (`retired_products:`) is deleted when pruning.
    """

    prune: bool = False
    force: bool = False
    safety: Mapping[str, SafetyThresholds] = field(default_factory=dict)
    targets: tuple[str, ...] = ()  # fnmatch globs on addresses
    excludes: tuple[str, ...] = ()
    managed_products: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSource:
    """Where the desired state came from and which impCentral was read."""

    manifest_root: str
    git_sha: str | None = None
    endpoint: str = ""


@dataclass(frozen=True)
class PlanSummary:
    """Counts in Terraform's terms (a replace is one add and one destroy) plus device impact."""

    add: int = 0
    change: int = 0
    destroy: int = 0
    devices_affected: int = 0
    device_groups_affected: int = 0
    restart: tuple[str, ...] = ()  # restart modes of the planned deployments

    def to_dict(self) -> dict[str, Any]:
        return {
            "add": self.add,
            "change": self.change,
            "destroy": self.destroy,
            "devices_affected": self.devices_affected,
            "device_groups_affected": self.device_groups_affected,
            "restart": list(self.restart),
        }


def _group_of(change: Change) -> str:
    res = change.resource
    if isinstance(res, DeviceGroup):
        return res.address
    group = getattr(res, "group", None)
    return f"devicegroup/{res.product}/{group}" if group else res.address


def summarize(changes: Iterable[Change]) -> PlanSummary:
    """Count actions; devices per group are the largest count of any change to that group."""
    add = change = destroy = 0
    per_group: dict[str, int] = {}
    restart: set[str] = set()
    for c in changes:
        add += c.action in (Action.CREATE, Action.REPLACE)
        change += c.action is Action.UPDATE
        destroy += c.action in (Action.DELETE, Action.REPLACE)
        group = _group_of(c)
        per_group[group] = max(per_group.get(group, 0), c.devices_affected)
        if isinstance(c.after, Deployment) and c.action is Action.CREATE:
            restart.add(c.after.restart.value)
    return PlanSummary(
        add=add,
        change=change,
        destroy=destroy,
        devices_affected=sum(per_group.values()),
        device_groups_affected=sum(1 for n in per_group.values() if n),
        restart=tuple(sorted(restart)),
    )


def apply_order_key(change: Change) -> tuple[int, int, int, str]:
    """Creates/updates by kind (fixture groups after their targets), then deletes reversed.

    A replace sits at its create's position (apply deletes, then creates, right there).
    """
    rank = _KIND_RANK[change.kind]
    res = change.resource
    fixture = isinstance(res, DeviceGroup) and res.type.is_fixture
    if change.action is Action.DELETE:
        return (1, -rank, 0 if fixture else 1, change.address)
    return (0, rank, 1 if fixture else 0, change.address)


def selected(address: str, targets: Iterable[str], excludes: Iterable[str]) -> bool:
    """`--target`/`--exclude`: fnmatch globs on addresses; excludes win."""
    targets = tuple(targets)
    if targets and not any(fnmatchcase(address, t) for t in targets):
        return False
    return not any(fnmatchcase(address, e) for e in excludes)


def _undeclared_secrets(resource: AnyResource | None) -> frozenset[str]:
    """Paths that may be secret on a live-only object (nothing declares what is secret):
    every env var value and every webhook URL."""
    if isinstance(resource, DeviceGroup):
        return frozenset(f"env_vars.{key}" for key in resource.env_vars)
    if isinstance(resource, Webhook):
        return frozenset({"url"})
    return frozenset()


def change_json(change: Change) -> dict[str, Any]:
    """One `resource_changes` entry (secrets fingerprinted, code by digest)."""
    restart = (
        change.after.restart.value
        if isinstance(change.after, Deployment) and change.action is Action.CREATE
        else None
    )
    secret = frozenset().union(*(r.sensitive for r in (change.before, change.after) if r))
    if change.after is None:
        secret |= _undeclared_secrets(change.before)
    return {
        "address": change.address,
        "previous_address": None,
        "kind": change.kind.value,
        "product": change.product,
        "name": resource_name(change.resource),
        "change": {
            "actions": change.action.json_actions,
            "before": resource_json(change.before, secret),
            "after": resource_json(change.after, secret),
            "before_sensitive": sensitive_mask(change.before, secret),
            "after_sensitive": sensitive_mask(change.after, secret),
            "fields": [field_json(f) for f in change.fields],
        },
        "action_reason": change.reason,
        "protected": change.protected,
        "devices_affected": change.devices_affected,
        "restart": restart,
    }


def checksum_of(resource_changes: list[dict[str, Any]]) -> str:
    """`sha256:<hex>` over the canonical JSON of the (already redacted) changes."""
    canonical = json.dumps(
        resource_changes, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Plan:
    """An ordered, guarded plan. `changes` are in apply order."""

    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...]
    summary: PlanSummary
    safety: SafetyReport
    checksum: str
    fingerprints: dict[str, str]
    source: PlanSource
    created_at: str
    targeting_in_effect: bool = False
    targets: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def blocked(self) -> bool:
        return self.safety.blocked

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def resource_changes(self) -> list[dict[str, Any]]:
        return [change_json(c) for c in self.changes]

    def to_dict(self) -> dict[str, Any]:
        """The versioned plan JSON (format 1.0); see docs/plan.md for every key."""
        return {
            "format_version": FORMAT_VERSION,
            "impops_version": __version__,
            "timestamp": self.created_at,
            "applyable": self.has_changes and not self.blocked,
            "complete": not self.targeting_in_effect,
            "errored": False,
            "checksum": self.checksum,
            "source": {
                "manifest_root": self.source.manifest_root,
                "git_sha": self.source.git_sha,
                "endpoint": self.source.endpoint,
                "target_filter": list(self.targets),
                "exclude_filter": list(self.excludes),
            },
            "live_fingerprint": dict(sorted(self.fingerprints.items())),
            "summary": self.summary.to_dict(),
            "safety": self.safety.to_dict(),
            "resource_changes": self.resource_changes(),
            "unmanaged": [
                {
                    "address": u.address,
                    "kind": u.kind.value,
                    "product": u.product,
                    "reason": u.reason,
                    "reason_text": UNMANAGED_REASONS[u.reason],
                }
                for u in self.unmanaged
            ],
        }

    def save(self, path: str | Path) -> None:
        """Write the plan JSON (no secrets in it; safe as a CI artifact)."""
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
        Path(path).write_text(text + "\n", encoding="utf-8")

    @staticmethod
    def load_saved(path: str | Path) -> SavedPlan:
        return SavedPlan.load(path)


@dataclass(frozen=True)
class SavedPlan:
    """A plan file read back: what `apply --plan` checks before writing anything."""

    format_version: str
    impops_version: str
    checksum: str
    fingerprints: dict[str, str]
    source: PlanSource
    applyable: bool
    blocked: bool
    resource_changes: list[dict[str, Any]]
    data: dict[str, Any]

    @staticmethod
    def load(path: str | Path) -> SavedPlan:
        """Read and verify a plan file: known major version, intact checksum.

        Raises PlanError for unreadable or unknown-version files and StalePlanError when the
        recorded checksum no longer matches the recorded changes (the file was edited).
        """
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PlanError(f"cannot read plan file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise PlanError(f"{path} is not an impops plan file")
        version = str(data.get("format_version", ""))
        if version.split(".")[0] != FORMAT_VERSION.split(".")[0]:
            raise PlanError(
                f"{path}: unsupported plan format_version {version!r} "
                f"(this impops reads {FORMAT_VERSION.split('.')[0]}.x)"
            )
        try:
            changes = list(data["resource_changes"])
            checksum = str(data["checksum"])
            source = data["source"]
            fingerprints = {str(k): str(v) for k, v in data["live_fingerprint"].items()}
            plan_source = PlanSource(
                manifest_root=str(source["manifest_root"]),
                git_sha=source.get("git_sha"),
                endpoint=str(source.get("endpoint", "")),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise PlanError(f"{path}: malformed plan file (missing {exc})") from exc
        if checksum_of(changes) != checksum:
            raise StalePlanError(
                f"{path}: checksum mismatch, the plan file was modified after it was written"
            )
        return SavedPlan(
            format_version=version,
            impops_version=str(data.get("impops_version", "")),
            checksum=checksum,
            fingerprints=fingerprints,
            source=plan_source,
            applyable=bool(data.get("applyable", False)),
            blocked=bool(data.get("safety", {}).get("blocked", False)),
            resource_changes=changes,
            data=data,
        )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_plan(desired: State, live: State, options: PlanOptions, source: PlanSource) -> Plan:
    """Diff, filter by targeting, order for apply, evaluate safety and checksum.

    Raises PlanError when the manifests name devices the account does not have.
    """
    result = diff(desired, live, prune=options.prune, managed=options.managed_products)
    chosen = [c for c in result.changes if selected(c.address, options.targets, options.excludes)]
    changes = tuple(sorted(chosen, key=apply_order_key))
    unmanaged = tuple(
        u for u in result.unmanaged if selected(u.address, options.targets, options.excludes)
    )
    products = desired.products() | set(options.managed_products)
    safety = evaluate(changes, live, products, options.safety, force=options.force)
    return Plan(
        changes=changes,
        unmanaged=unmanaged,
        summary=summarize(changes),
        safety=safety,
        checksum=checksum_of([change_json(c) for c in changes]),
        fingerprints=dict(sorted(live.fingerprints.items())),
        source=source,
        created_at=_now(),
        targeting_in_effect=bool(options.targets or options.excludes),
        targets=options.targets,
        excludes=options.excludes,
    )
