"""The plan as versioned JSON (the same document `--out` saves)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impops.engine.plan import Plan


def render_json(plan: Plan, *, color: bool = False) -> str:
    """`plan.to_dict()` as indented, key-sorted JSON; `color` is accepted and ignored."""
    del color
    return json.dumps(plan.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
