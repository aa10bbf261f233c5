"""A change the API cannot make blocks the plan, and --force does not unblock it."""

from __future__ import annotations

from typing import ClassVar

from impops.engine.change import Action, Change
from impops.engine.diffing import DiffResult
from impops.engine.plan import Plan, PlanInput, PlanOptions, PlanSource, build_plan
from impops.engine.resource import Resource
from impops.engine.state import State


class Gadget(Resource):
    kind: ClassVar[str] = "test_gadget"
    PROVIDER: ClassVar[str] = "testprovider"
    KIND_RANK: ClassVar[int] = 50
    KIND_NOUN: ClassVar[str] = "gadgets"
    key: str
    size: int = 0

    @property
    def address(self) -> str:
        return f"gadget/{self.key}"

    @property
    def scope(self) -> str:
        return "lab"


def differ(desired: State, live: State, *, prune: bool, managed: object = ()) -> DiffResult:
    before, after = live.resources["gadget/a"], desired.resources["gadget/a"]
    change = Change(
        Action.UPDATE, before, after, "fields_changed", impossible="size is fixed; make a new one"
    )
    return DiffResult((change,), ())


def plan(force: bool) -> Plan:
    desired, live = State(), State()
    desired.add(Gadget(key="a", size=2))
    live.add(Gadget(key="a", size=1))
    return build_plan([PlanInput(desired, live, differ)], PlanOptions(force=force), PlanSource("m"))


def test_impossible_change_blocks_even_with_force() -> None:
    for force in (False, True):
        p = plan(force)
        assert p.blocked
        checks = [c for c in p.safety.checks if c.name == "impossible"]
        assert len(checks) == 1
        assert "size is fixed; make a new one" in checks[0].detail
        entry = p.resource_changes()[0]
        assert entry["provider"] == "testprovider"
        assert entry["impossible"] == "size is fixed; make a new one"
