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
from impops.engine.diffing import UNMANAGED_REASONS, Differ, Unmanaged
from impops.engine.resource import Resource
from impops.engine.safety import SafetyReport, SafetyThresholds, evaluate
from impops.engine.state import State
from impops.errors import PlanError, StalePlanError
from impops.render.values import field_json, resource_json, sensitive_mask

FORMAT_VERSION = "1.1"  # 1.1: `provider` on every change, `impossible` where the API cannot


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: pruning, force, per-product thresholds (`*` = default) and targeting globs.

    Which scopes are managed beyond those the manifests declare (retired impCentral products)
    is each provider's `PlanInput.managed`.
    """

    prune: bool = False
    force: bool = False
    allow: tuple[str, ...] = ()  # addresses of protected changes permitted one by one
    safety: Mapping[str, SafetyThresholds] = field(default_factory=dict)
    targets: tuple[str, ...] = ()  # fnmatch globs on addresses
    excludes: tuple[str, ...] = ()


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


def summarize(changes: Iterable[Change]) -> PlanSummary:
    """Count actions; devices per group are the largest count of any change to that group."""
    add = change = destroy = 0
    per_group: dict[str, int] = {}
    restart: set[str] = set()
    for c in changes:
        add += c.action in (Action.CREATE, Action.REPLACE)
        change += c.action is Action.UPDATE
        destroy += c.action in (Action.DELETE, Action.REPLACE)
        group = c.resource.impact_key()
        per_group[group] = max(per_group.get(group, 0), c.devices_affected)
        mode = c.after.restart_on(c.action.value) if c.after is not None else None
        if mode is not None:
            restart.add(mode)
    return PlanSummary(
        add=add,
        change=change,
        destroy=destroy,
        devices_affected=sum(per_group.values()),
        device_groups_affected=sum(1 for n in per_group.values() if n),
        restart=tuple(sorted(restart)),
    )


def apply_order_key(change: Change) -> tuple[int, int, int, str]:
    """Creates/updates by kind rank across providers (a resource's `order_rank` breaks ties,
    e.g. fixture groups after their targets), then deletes in reverse.

    A replace sits at its create's position (apply deletes, then creates, right there).
    """
    res = change.resource
    rank, sub = res.KIND_RANK, res.order_rank()
    if change.action is Action.DELETE:
        return (1, -rank, -sub, change.address)
    return (0, rank, sub, change.address)


def selected(address: str, targets: Iterable[str], excludes: Iterable[str]) -> bool:
    """`--target`/`--exclude`: fnmatch globs on addresses; excludes win."""
    targets = tuple(targets)
    if targets and not any(fnmatchcase(address, t) for t in targets):
        return False
    return not any(fnmatchcase(address, e) for e in excludes)


def change_json(change: Change) -> dict[str, Any]:
    """One `resource_changes` entry (secrets fingerprinted, code by digest)."""
    restart = change.after.restart_on(change.action.value) if change.after is not None else None
    secret = frozenset().union(*(r.sensitive for r in (change.before, change.after) if r))
    if change.after is None and change.before is not None:
        secret |= change.before.undeclared_secrets()
    entry = {
        "address": change.address,
        "previous_address": None,
        "provider": change.provider,
        "kind": str(change.kind),
        "product": change.scope,
        "name": change.resource.display_name,
        "change": {
            "actions": change.action.json_actions,
            "before": resource_json(change.before, secret),
            "after": resource_json(change.after, secret),
            "before_sensitive": sensitive_mask(change.before, secret),
            "after_sensitive": sensitive_mask(change.after, secret),
            "fields": [field_json(f) for f in change.fields],
        },
        "action_reason": change.reason,
        "action_reason_text": change.reason_text,
        "protected": change.protected,
        "protected_reason": change.protected_reason if change.protected else "",
        "devices_affected": change.devices_affected,
        "restart": restart,
    }
    if change.impossible:
        entry["impossible"] = change.impossible
    if change.note:
        entry["note"] = change.note
    return entry


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
                    "kind": str(u.kind),
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
    forced: bool = False  # made with --force: safety violations were overridden wholesale
    allowed: tuple[str, ...] = ()  # made with --allow: protected changes permitted one by one

    def moved(self, plan: Plan) -> list[str]:
        """What differs between this saved plan and `plan` (recomputed now), in words: changes
        gone, new, or different, and a changed `--allow`/`--force`; empty when they agree."""
        old = {str(c.get("address")): c for c in self.resource_changes}
        new = {c["address"]: c for c in plan.resource_changes()}
        found = [f"{a} is no longer planned" for a in old if a not in new]
        found += [f"{a} is newly planned" for a in new if a not in old]
        found += [f"{a} changed" for a in old if a in new and old[a] != new[a]]
        if tuple(self.allowed) != plan.safety.allowed:
            found.append(f"--allow differs (saved {list(self.allowed)}, now "
                         f"{list(plan.safety.allowed)})")  # fmt: skip
        if self.forced != plan.safety.forced:
            found.append(f"--force differs (saved {self.forced}, now {plan.safety.forced})")
        return found

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
        raw_safety = data.get("safety")
        safety: dict[str, Any] = raw_safety if isinstance(raw_safety, dict) else {}
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
            blocked=bool(safety.get("blocked", False)),
            resource_changes=changes,
            data=data,
            forced=bool(safety.get("forced", False)),
            allowed=tuple(str(a) for a in safety.get("allowed") or ()),
        )


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class PlanInput:
    """One provider's part of a plan: its desired and live state and its differ."""

    desired: State
    live: State
    differ: Differ
    managed: tuple[str, ...] = ()  # scopes managed beyond those desired declares


def build_plan(inputs: Iterable[PlanInput], options: PlanOptions, source: PlanSource) -> Plan:
    """Diff every provider's part, filter by targeting, order for apply across providers,
    evaluate safety and checksum. Pure apart from the timestamp.

    Raises PlanError when a differ does (e.g. the manifests name devices the account lacks).
    """
    parts = tuple(inputs)
    all_changes: list[Change] = []
    all_unmanaged: list[Unmanaged] = []
    live_resources: list[Resource] = []
    scopes: set[str] = set()
    fingerprints: dict[str, str] = {}
    for part in parts:
        managed = part.managed
        result = part.differ(part.desired, part.live, prune=options.prune, managed=managed)
        all_changes += result.changes
        all_unmanaged += result.unmanaged
        live_resources += part.live.resources.values()
        scopes |= part.desired.scopes() | set(managed)
        fingerprints |= part.live.fingerprints
    chosen = [c for c in all_changes if selected(c.address, options.targets, options.excludes)]
    changes = tuple(sorted(chosen, key=apply_order_key))
    unmanaged = tuple(
        u for u in all_unmanaged if selected(u.address, options.targets, options.excludes)
    )
    safety = evaluate(
        changes, live_resources, scopes, options.safety, force=options.force, allow=options.allow
    )
    return Plan(
        changes=changes,
        unmanaged=unmanaged,
        summary=summarize(changes),
        safety=safety,
        checksum=checksum_of([change_json(c) for c in changes]),
        fingerprints=dict(sorted(fingerprints.items())),
        source=source,
        created_at=_now(),
        targeting_in_effect=bool(options.targets or options.excludes),
        targets=options.targets,
        excludes=options.excludes,
    )
