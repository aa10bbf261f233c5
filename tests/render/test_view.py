"""The shared plan view: identity keys, diff grouping, saved plans, markdown ordering."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "plan"))

from planfleet import deployment, fleet, put, representative  # noqa: E402

from impops.engine.plan import PlanOptions, PlanSource, SavedPlan, build_plan  # noqa: E402
from impops.github.sticky import marker  # noqa: E402
from impops.providers.impcentral.diff import plan_input  # noqa: E402
from impops.render.identity import plan_key, repo_relative  # noqa: E402
from impops.render.markdown import compose, render_view_markdown  # noqa: E402
from impops.render.view import view_of_plan, view_of_saved  # noqa: E402

SOURCE = PlanSource("examples/manifests", git_sha="a1b2c3d")


def test_key_is_relative_to_the_checkout(tmp_path: Path) -> None:
    root = tmp_path / "repo" / "deploy" / "manifests"
    root.mkdir(parents=True)
    env = {"GITHUB_WORKSPACE": str(tmp_path / "repo")}
    assert repo_relative(str(root), env) == "deploy/manifests"
    assert plan_key(str(root), ["deployment/*"], env) == "deploy/manifests[deployment/*]"
    assert plan_key("examples/manifests") == "examples/manifests"


def test_one_code_change_for_several_groups_is_one_diff() -> None:
    f = fleet()
    body = "server.log(1);\n"
    put(f.desired, deployment("production", side="desired", agent_code=body))
    put(f.desired, deployment("development", side="desired", agent_code=body))
    view = view_of_plan(build_plan([plan_input(f.desired, f.live)], PlanOptions(), SOURCE))
    [group] = view.code_groups
    assert len(group.addresses) == 2
    md = render_view_markdown(view)
    assert md.count("```diff") == 1
    assert ", ".join(group.addresses) in md


def test_markdown_puts_destroys_and_blocked_first_and_marker_matches_sticky() -> None:
    f = representative()
    view = view_of_plan(
        build_plan([plan_input(f.desired, f.live)], PlanOptions(prune=True), SOURCE)
    )
    md = compose(view, 3, key="examples/manifests")
    rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert rows[0].startswith("| `-` ")
    assert rows[1].startswith("| `-` ")
    assert "🔒" in rows[2]  # the blocked change right after the destroys
    assert md.startswith(marker("plan", "examples/manifests") + "\n")


def test_saved_plan_renders_like_the_live_one(tmp_path: Path) -> None:
    f = representative()
    plan = build_plan([plan_input(f.desired, f.live)], PlanOptions(prune=True), SOURCE)
    path = tmp_path / "plan.json"
    plan.save(path)
    live, saved = view_of_plan(plan), view_of_saved(SavedPlan.load(path))
    assert compose(live, 3, key="k") == compose(saved, 3, key="k")  # table tier: no code


@pytest.mark.parametrize("tier", [1, 2, 3, 4])
def test_every_tier_masks_secrets(tier: int) -> None:
    from planfleet import SECRET_API_KEY

    f = representative()
    view = view_of_plan(
        build_plan([plan_input(f.desired, f.live)], PlanOptions(prune=True), SOURCE)
    )
    assert SECRET_API_KEY not in compose(view, tier, key="k")
