"""The one view every plan renderer reads: built from the plan JSON, live or saved.

Why: `impops plan` has live `Change` objects, `impops show` and `impops comment` only the plan
file (no code, no secrets). Rendering both from the same dict means a saved plan reads exactly
like the live one, minus the code diffs, which only a live plan can compute (code bodies are
never in plan files). `view_of_plan` adds them; `view_of_saved` shows code by digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from impops.render.codediff import CodeDiff, code_diffs

if TYPE_CHECKING:
    from impops.engine.plan import Plan, SavedPlan

SYMBOLS = {"create": "+", "update": "~", "delete": "-", "replace": "-/+"}
DESTROYS = ("delete", "replace")


def _action(entry: dict[str, Any]) -> str:
    actions = list((entry.get("change") or {}).get("actions") or [])
    if len(actions) > 1:
        return "replace"
    return str(actions[0]) if actions else "update"


@dataclass(frozen=True)
class ChangeView:
    """One `resource_changes` entry, with the live plan's code diffs when there are any."""

    entry: dict[str, Any]
    allowed: bool = False  # a protected change permitted by --allow
    diffs: tuple[CodeDiff, ...] = ()

    @property
    def address(self) -> str:
        return str(self.entry.get("address", ""))

    @property
    def action(self) -> str:
        return _action(self.entry)

    @property
    def symbol(self) -> str:
        return SYMBOLS.get(self.action, "?")

    @property
    def kind(self) -> str:
        return str(self.entry.get("kind", ""))

    @property
    def product(self) -> str:
        return str(self.entry.get("product", ""))

    @property
    def before(self) -> dict[str, Any] | None:
        value = (self.entry.get("change") or {}).get("before")
        return value if isinstance(value, dict) else None

    @property
    def after(self) -> dict[str, Any] | None:
        value = (self.entry.get("change") or {}).get("after")
        return value if isinstance(value, dict) else None

    @property
    def fields(self) -> list[dict[str, Any]]:
        return list((self.entry.get("change") or {}).get("fields") or [])

    @property
    def reason(self) -> str:
        return str(self.entry.get("action_reason", ""))

    @property
    def reason_text(self) -> str:
        return str(self.entry.get("action_reason_text") or self.reason)

    @property
    def protected(self) -> bool:
        return bool(self.entry.get("protected"))

    @property
    def protected_reason(self) -> str:
        return str(self.entry.get("protected_reason") or "")

    @property
    def impossible(self) -> str:
        return str(self.entry.get("impossible") or "")

    @property
    def note(self) -> str:
        """A provider's remark for the reviewer (a rename, a move, a suspected rename)."""
        return str(self.entry.get("note") or "")

    @property
    def devices_affected(self) -> int:
        return int(self.entry.get("devices_affected") or 0)

    def code_digests(self, side: str = "after") -> dict[str, tuple[str, int]]:
        """Code files summarised in the plan JSON (`<stem>_sha256`, `<stem>_lines`)."""
        data = self.after if side == "after" else self.before
        result: dict[str, tuple[str, int]] = {}
        for key, value in sorted((data or {}).items()):
            if key.endswith("_sha256") and isinstance(value, str):
                stem = key.removesuffix("_sha256")
                result[stem] = (value, int((data or {}).get(f"{stem}_lines") or 0))
        return result

    @property
    def is_code(self) -> bool:
        """A deployment-like change: its object carries code by digest."""
        return bool(self.code_digests())


@dataclass(frozen=True)
class CodeGroup:
    """One code change shown once, with every change it reaches (e.g. one release, 3 groups)."""

    diff: CodeDiff
    addresses: tuple[str, ...]


@dataclass(frozen=True)
class PlanView:
    """A plan as renderers see it. `changes` are in apply order; `review_order` puts destroys
    and blocked changes first (what a reviewer must see before anything else)."""

    data: dict[str, Any]
    changes: tuple[ChangeView, ...]
    saved: bool = False  # rendered from a plan file: no code bodies to diff
    code_groups: tuple[CodeGroup, ...] = field(default=())

    @property
    def checksum(self) -> str:
        return str(self.data.get("checksum", ""))

    @property
    def source(self) -> dict[str, Any]:
        source = self.data.get("source")
        return source if isinstance(source, dict) else {}

    @property
    def manifest_root(self) -> str:
        return str(self.source.get("manifest_root", ""))

    @property
    def git_sha(self) -> str | None:
        sha = self.source.get("git_sha")
        return str(sha) if sha else None

    @property
    def targets(self) -> list[str]:
        return [str(t) for t in self.source.get("target_filter") or []]

    @property
    def excludes(self) -> list[str]:
        return [str(t) for t in self.source.get("exclude_filter") or []]

    @property
    def summary(self) -> dict[str, Any]:
        summary = self.data.get("summary")
        return summary if isinstance(summary, dict) else {}

    @property
    def safety(self) -> dict[str, Any]:
        safety = self.data.get("safety")
        return safety if isinstance(safety, dict) else {}

    @property
    def checks(self) -> list[dict[str, Any]]:
        return list(self.safety.get("checks") or [])

    @property
    def violations(self) -> list[dict[str, Any]]:
        return [c for c in self.checks if not c.get("passed")]

    @property
    def blocked(self) -> bool:
        return bool(self.safety.get("blocked"))

    @property
    def forced(self) -> bool:
        return bool(self.safety.get("forced"))

    @property
    def allowed(self) -> list[str]:
        return [str(a) for a in self.safety.get("allowed") or []]

    @property
    def unused_allow(self) -> list[str]:
        return [str(a) for a in self.safety.get("unused_allow") or []]

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def applyable(self) -> bool:
        return bool(self.data.get("applyable"))

    @property
    def targeting_in_effect(self) -> bool:
        return bool(self.targets or self.excludes)

    @property
    def unmanaged(self) -> list[dict[str, Any]]:
        return list(self.data.get("unmanaged") or [])

    @property
    def destroys(self) -> list[ChangeView]:
        return [c for c in self.changes if c.action in DESTROYS]

    def blocking(self, change: ChangeView) -> bool:
        """The change is what blocks (or, forced, would have blocked) the plan."""
        return (change.protected and not change.allowed) or bool(change.impossible)

    @property
    def review_order(self) -> list[ChangeView]:
        def rank(item: tuple[int, ChangeView]) -> tuple[int, int]:
            index, c = item
            first = 0 if c.action in DESTROYS else 1 if self.blocking(c) else 2
            return (first, index)

        return [c for _, c in sorted(enumerate(self.changes), key=rank)]

    def group_of(self, change: ChangeView, file: str) -> CodeGroup | None:
        for group in self.code_groups:
            if change.address in group.addresses and group.diff.file == file:
                return group
        return None


def _groups(changes: tuple[ChangeView, ...]) -> tuple[CodeGroup, ...]:
    """Identical diffs (same file, same before and after digests) folded into one group."""
    found: dict[tuple[str, str, str], tuple[CodeDiff, list[str]]] = {}
    for change in changes:
        for cd in change.diffs:
            key = (cd.file, cd.before_sha, cd.after_sha)
            found.setdefault(key, (cd, []))[1].append(change.address)
    return tuple(CodeGroup(cd, tuple(addresses)) for cd, addresses in found.values())


def view_of_dict(
    data: dict[str, Any], diffs: dict[str, tuple[CodeDiff, ...]] | None = None
) -> PlanView:
    """The view of plan JSON; `diffs` (by address) only from a live plan."""
    allowed = {str(a) for a in (data.get("safety") or {}).get("allowed") or []}
    changes = tuple(
        ChangeView(
            entry,
            allowed=bool(entry.get("protected")) and str(entry.get("address")) in allowed,
            diffs=(diffs or {}).get(str(entry.get("address")), ()),
        )
        for entry in data.get("resource_changes") or []
        if isinstance(entry, dict)
    )
    return PlanView(data, changes, saved=diffs is None, code_groups=_groups(changes))


def view_of_plan(plan: Plan) -> PlanView:
    """A live plan: its JSON plus the code diffs only live `Change` objects can compute."""
    diffs = {c.address: tuple(code_diffs(c)) for c in plan.changes}
    return view_of_dict(plan.to_dict(), diffs)


def view_of_saved(saved: SavedPlan) -> PlanView:
    """A plan file read back (`impops show`, `impops comment`): code by digest only."""
    return view_of_dict(saved.data)
