"""Acknowledged drift: a baseline of known differences that a scheduled drift run stays quiet
about until they expire (gitops-conventions 1.D #32). Pure matching; the CLI reads the file.

An entry names an address (fnmatch glob), why it is accepted, and optionally the date after
which it counts as drift again. Expired entries are reported as such, so nobody forgets them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from impops.engine.drift import DriftItem
from impops.errors import ConfigError


@dataclass(frozen=True)
class Acknowledgement:
    address: str  # glob
    why: str
    expires: date | None = None

    def expired(self, today: date) -> bool:
        return self.expires is not None and today > self.expires

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.address,
            "why": self.why,
            "expires": self.expires.isoformat() if self.expires else None,
        }


def parse_baseline(data: Any, where: str) -> list[Acknowledgement]:
    """Entries from parsed YAML/JSON: a list, or a mapping with an `acknowledged` list."""
    if isinstance(data, Mapping):
        data = data.get("acknowledged", data.get("baseline"))
    if not isinstance(data, list):
        raise ConfigError(f"{where}: a drift baseline is a list of entries (address, why, expires)")
    entries = []
    for n, raw in enumerate(data, 1):
        if not isinstance(raw, Mapping) or not raw.get("address") or not raw.get("why"):
            raise ConfigError(f"{where}: entry {n} needs `address` and `why`")
        expires = raw.get("expires")
        if expires is not None and not isinstance(expires, date):
            try:
                expires = date.fromisoformat(str(expires))
            except ValueError:
                raise ConfigError(
                    f"{where}: entry {n}: expires {expires!r} is not a date (YYYY-MM-DD)"
                ) from None
        entries.append(Acknowledgement(str(raw["address"]), str(raw["why"]), expires))
    return entries


@dataclass(frozen=True)
class Acknowledged:
    item: DriftItem
    by: Acknowledgement

    def to_dict(self) -> dict[str, Any]:
        return {"address": self.item.address, **self.by.to_dict(), "item": self.item.as_json()}


@dataclass
class BaselineResult:
    """Drift split by the baseline: `drift` still counts (expired acknowledgements included)."""

    drift: list[DriftItem] = field(default_factory=list)
    acknowledged: list[Acknowledged] = field(default_factory=list)
    expired: list[Acknowledged] = field(default_factory=list)
    unused: list[Acknowledgement] = field(default_factory=list)

    def expired_for(self, address: str) -> Acknowledgement | None:
        return next((a.by for a in self.expired if a.item.address == address), None)


def apply_baseline(
    items: Iterable[DriftItem], entries: Iterable[Acknowledgement], today: date
) -> BaselineResult:
    entries = list(entries)
    result = BaselineResult()
    used: set[int] = set()
    for item in items:
        match = next(
            ((i, a) for i, a in enumerate(entries) if fnmatchcase(item.address, a.address)), None
        )
        if match is None:
            result.drift.append(item)
            continue
        used.add(match[0])
        if match[1].expired(today):
            result.drift.append(item)
            result.expired.append(Acknowledged(item, match[1]))
        else:
            result.acknowledged.append(Acknowledged(item, match[1]))
    result.unused = [a for i, a in enumerate(entries) if i not in used]
    return result
