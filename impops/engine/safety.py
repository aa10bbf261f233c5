"""Safety thresholds: octoDNS-style limits on how much one plan may change or delete."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from impops.engine.change import Action, Change
from impops.engine.resource import Resource, kinds


class SafetyThresholds(BaseModel):
    """Per-product limits. Update/delete shares are only enforced once a product has at least
    `min_existing` live objects (small products would trip them on every change)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    update_pcent_threshold: float = Field(0.3, ge=0, le=1)
    delete_pcent_threshold: float = Field(0.3, ge=0, le=1)
    min_existing: int = Field(10, ge=0)
    max_devices_affected: int | None = Field(None, ge=0)


# --- evaluation ------------------------------------------------------------------------------
# Pure functions over changes; `impops.engine.plan` calls `evaluate` and stores the SafetyReport.

DEFAULT_KEY = "*"  # a `safety` mapping entry that applies to every product without its own


@dataclass(frozen=True)
class SafetyCheck:
    """One rule evaluated for one product (and kind): passing checks are reported too."""

    name: str  # update_threshold | delete_threshold | protected | max_devices_affected | impossible
    product: str
    kind: str | None
    passed: bool
    detail: str
    override: str = ""  # the narrowest way to allow it; empty when passed
    count: int = 0  # how many objects (or devices) the rule counted

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "product": self.product,
            "kind": self.kind,
            "passed": self.passed,
            "detail": self.detail,
            "override": self.override,
            "count": self.count,
        }


@dataclass(frozen=True)
class SafetyReport:
    """All checks of one plan. `blocked`: a check failed and `--force` was not given."""

    checks: tuple[SafetyCheck, ...]
    forced: bool
    allowed: tuple[str, ...] = ()  # `--allow ADDRESS`: protected changes permitted one by one
    unused_allow: tuple[str, ...] = ()  # --allow addresses that matched no protected change

    @property
    def violations(self) -> tuple[SafetyCheck, ...]:
        return tuple(c for c in self.checks if not c.passed)

    @property
    def blocked(self) -> bool:
        """A failed check blocks unless forced; a change the API cannot make always blocks."""
        if any(c.name == "impossible" for c in self.violations):
            return True
        return bool(self.violations) and not self.forced

    def to_dict(self) -> dict[str, Any]:
        return {
            "blocked": self.blocked,
            "forced": self.forced,
            "allowed": list(self.allowed),
            "unused_allow": list(self.unused_allow),
            "checks": [c.to_dict() for c in self.checks],
            "violations": [c.detail for c in self.violations],
        }


def thresholds_for(product: str, safety: Mapping[str, SafetyThresholds]) -> SafetyThresholds:
    """Per-product thresholds, else the `*` entry, else the octoDNS defaults."""
    return safety.get(product) or safety.get(DEFAULT_KEY) or SafetyThresholds()


def _pct(value: float) -> str:
    return f"{value * 100:.1f}".removesuffix(".0") + "%"


def _is_update(change: Change) -> bool:
    """Changes that modify an existing object (a new deployment replaces the current code)."""
    if change.action is Action.UPDATE:
        return True
    return change.action is Action.CREATE and change.before is not None


def _is_delete(change: Change) -> bool:
    return change.action in (Action.DELETE, Action.REPLACE)


def _share_check(
    name: str,
    verb: str,
    product: str,
    kind: type[Resource],
    count: int,
    existing: int,
    limit: float,
    thresholds: SafetyThresholds,
) -> SafetyCheck:
    noun = kind.KIND_NOUN
    share = count / existing if existing else 0.0
    setting = f"{name.split('_')[0]}_pcent_threshold"
    if existing < thresholds.min_existing:
        detail = (
            f"{count} of {existing} {noun} {verb} (not enforced below "
            f"{thresholds.min_existing} existing)"
        )
        return SafetyCheck(name, product, kind.kind, True, detail, count=count)
    if share <= limit:
        detail = f"{count} of {existing} {noun} {verb} ({_pct(share)} ≤ {_pct(limit)})"
        return SafetyCheck(name, product, kind.kind, True, detail, count=count)
    noun_word = "updates" if name.startswith("update") else "deletes"
    detail = (
        f"[{product}] Too many {noun_word} of {noun}, {share * 100:.1f}% is over "
        f"{limit * 100:.1f}% ({count}/{existing}), force required"
    )
    override = f"set safety {setting} >= {share:.2f} for product {product}, or pass --force"
    return SafetyCheck(name, product, kind.kind, False, detail, override, count)


def evaluate(
    changes: Sequence[Change],
    live: Iterable[Resource],
    products: Iterable[str],
    safety: Mapping[str, SafetyThresholds],
    *,
    force: bool,
    allow: Iterable[str] = (),
) -> SafetyReport:
    """Evaluate every rule for every scope (`products`: an impCentral product, a Mnubo zone);
    the share rules run for every kind of the providers present in that scope. See
    docs/plan.md "Safety"."""
    # One pass over live state (a plan of a large fleet holds thousands of resources).
    existing_by: Counter[tuple[str, str]] = Counter((r.scope, r.kind) for r in live)
    providers_by: dict[str, set[str]] = {}
    for r in live:
        providers_by.setdefault(r.scope, set()).add(r.PROVIDER)
    allow = tuple(dict.fromkeys(allow))
    checks: list[SafetyCheck] = []
    for product in sorted(set(products)):
        limits = thresholds_for(product, safety)
        mine = [c for c in changes if c.scope == product]
        providers = providers_by.get(product, set()) | {c.provider for c in mine}
        for kind in [k for k in kinds() if k.PROVIDER in providers and k.THRESHOLDS]:
            existing = existing_by[(product, kind.kind)]
            ofkind = [c for c in mine if c.kind == kind.kind]
            updates = sum(1 for c in ofkind if _is_update(c))
            deletes = sum(1 for c in ofkind if _is_delete(c))
            checks.append(
                _share_check(
                    "update_threshold",
                    "updated",
                    product,
                    kind,
                    updates,
                    existing,
                    limits.update_pcent_threshold,
                    limits,
                )
            )
            checks.append(
                _share_check(
                    "delete_threshold",
                    "deleted",
                    product,
                    kind,
                    deletes,
                    existing,
                    limits.delete_pcent_threshold,
                    limits,
                )
            )
        impossible = [c for c in mine if c.impossible]
        for c in impossible:
            # Not a threshold: --force cannot make the API do what it cannot do.
            checks.append(
                SafetyCheck(
                    "impossible",
                    product,
                    str(c.kind),
                    False,
                    f"{c.address}: {c.impossible}",
                    "change the manifests (see the reason)",
                    1,
                )
            )
        checks.extend(_protected_checks(product, mine, allow))
        if limits.max_devices_affected is not None:
            devices = sum(c.devices_affected for c in mine)
            limit = limits.max_devices_affected
            if devices <= limit:
                detail = f"{devices} devices affected (≤ {limit})"
                checks.append(
                    SafetyCheck("max_devices_affected", product, None, True, detail, count=devices)
                )
            else:
                detail = (
                    f"[{product}] Too many devices affected, {devices} is over {limit}, "
                    "force required"
                )
                override = (
                    f"set safety max_devices_affected >= {devices} for product {product}, "
                    "or pass --force"
                )
                checks.append(
                    SafetyCheck(
                        "max_devices_affected", product, None, False, detail, override, devices
                    )
                )
    used = {c.address for c in changes if c.protected}
    unused = tuple(a for a in allow if a not in used)
    return SafetyReport(tuple(checks), force, allow, unused)


def _why(change: Change) -> str:
    if change.protected_reason:
        return change.protected_reason
    verb = "deletes" if change.action is Action.DELETE else "changes"
    return f"{verb} a protected {change.kind} object"


def _protected_checks(
    product: str, changes: Sequence[Change], allow: Sequence[str]
) -> list[SafetyCheck]:
    """One check per protected change, saying why it is protected and how to permit exactly
    it (`--allow ADDRESS`); changes named by `--allow` pass. None protected: one quiet check."""
    protected = [c for c in changes if c.protected]
    if not protected:
        return [SafetyCheck("protected", product, None, True, "no protected objects changed")]
    checks = []
    for c in protected:
        if c.address in allow:
            detail = f"{c.address} {_why(c)}: allowed by --allow {c.address}"
            checks.append(SafetyCheck("protected", product, None, True, detail, count=1))
        else:
            detail = f"[{product}] {c.address} is protected: it {_why(c)}"
            override = f"--allow {c.address} (this change only), or --force"
            checks.append(SafetyCheck("protected", product, None, False, detail, override, 1))
    return checks
