"""The canonical resource: the one currency of desired state, live state, diff and plan.

Every provider translates its manifests section and its API into `Resource` subclasses; the
engine only ever sees this interface, so it never learns what a device group or a Mnubo event
type is. A subclass says, through class attributes and small hooks:

- who it belongs to (`PROVIDER`), what it is (`kind`, `KIND_NOUN`) and where it goes in apply
  order across every provider (`KIND_RANK`: creates and updates ascend, deletes descend);
- its stable `address` (plans, `--target`, fingerprints) and `scope` (the unit that safety
  thresholds and summaries count per: an impCentral product, a Mnubo zone);
- which fields never take part in comparison (`META_FIELDS`), which carry code bodies kept out
  of plan files (`CODE_FIELDS`), how to show them (`code_files`) and where their lines came
  from (`code_origin`).

`sensitive` lists the dotted field paths whose values are secret; renderers and plan files show
fingerprints instead. `source` is where the object was declared (desired side only).
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from impops.errors import SourcePosition

# kind -> resource class, filled by `Resource.__pydantic_init_subclass__`.
_KINDS: dict[str, type[Resource]] = {}


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the exact UTF-8 bytes of `text` (code identity: no normalisation)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Resource(BaseModel):
    """Base of every managed object. Frozen; equality of `comparable()` means "no change"."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ClassVar[str] = ""
    PROVIDER: ClassVar[str] = ""
    KIND_RANK: ClassVar[int] = 0
    KIND_NOUN: ClassVar[str] = ""
    META_FIELDS: ClassVar[frozenset[str]] = frozenset({"sensitive", "source"})
    CODE_FIELDS: ClassVar[tuple[str, ...]] = ()
    THRESHOLDS: ClassVar[bool] = True  # counted by the update/delete share rules

    sensitive: frozenset[str] = frozenset()
    source: SourcePosition | None = None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.kind:
            _KINDS[cls.kind] = cls

    @property
    def address(self) -> str:
        raise NotImplementedError

    @property
    def scope(self) -> str:
        """The unit safety thresholds and summaries count per (e.g. an impCentral product)."""
        raise NotImplementedError

    @property
    def display_name(self) -> str:
        """The object's name within its scope, for tables."""
        return self.address.split("/", 2)[-1]

    def comparable(self) -> dict[str, Any]:
        """The fields the differ compares, as plain JSON-able data."""
        return self.model_dump(mode="json", exclude=set(self.META_FIELDS))

    def order_rank(self) -> int:
        """Tie-break inside a kind's apply position (higher goes later, deletes earlier)."""
        return 0

    def impact_key(self) -> str:
        """The unit whose devices a change affects (counted once per unit in summaries)."""
        return self.address

    def undeclared_secrets(self) -> frozenset[str]:
        """Paths that may be secret when only the live object is known (nothing declares
        what is secret on a live-only object)."""
        return frozenset()

    def code_files(self) -> dict[str, tuple[str, str]]:
        """Code bodies for human diffs: file label -> (sha256, text). Never in plan files."""
        return {}

    def code_origin(self, file: str, line: int) -> str | None:
        """Where line `line` (1-based) of code file `file` came from, e.g. `lib/utils.nut:12`
        for preprocessed code; None when the file is its own source."""
        return None

    def json_extras(self) -> dict[str, Any]:
        """Extra plan-JSON fields summarising what `CODE_FIELDS` leaves out (line counts)."""
        return {}

    def restart_on(self, action: str) -> str | None:
        """What a change with this action does to running devices (a restart mode), if any."""
        return None


def kinds(provider: str | None = None) -> list[type[Resource]]:
    """Registered resource classes in apply order, optionally of one provider."""
    found = [c for c in _KINDS.values() if provider is None or provider == c.PROVIDER]
    return sorted(found, key=lambda c: (c.KIND_RANK, c.kind))


def kind_class(kind: str) -> type[Resource] | None:
    return _KINDS.get(kind)
