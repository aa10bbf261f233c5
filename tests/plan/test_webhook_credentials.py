"""Webhook URLs that carry credentials are secrets wherever they come from.

Not only `${VAR}` and `!secret` values: a literal `user:pass@` or `?token=` URL in a manifest,
and any such URL read from live impCentral (e.g. a webhook someone added by hand), must never
reach a plan, a drift report or a saved plan file.
"""

from __future__ import annotations

import pytest
from planfleet import PRODUCT, fleet, put, webhook

from impops import redact
from impops.engine.drift import compare
from impops.engine.plan import PlanOptions, PlanSource, build_plan
from impops.providers.impcentral.diff import plan_input
from impops.providers.impcentral.drift import drift_input
from impops.providers.impcentral.model import ImpCentralState, Webhook, url_has_credentials
from impops.render.drift import RENDERERS as DRIFT_RENDERERS
from impops.render.json import render_json
from impops.render.markdown import render_markdown
from impops.render.text import render_text

LITERAL = "https://ops:hunter2-literal@hooks.example.com/deploy"
LIVE_ONLY = "https://hooks.example.com/blessing?token=live-only-token-123"


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        (LITERAL, True),
        (LIVE_ONLY, True),
        ("https://hooks.example.com/plain/path", False),
        ("http://[::1", True),  # unparseable: assume the worst
    ],
)
def test_url_has_credentials(url: str, secret: bool) -> None:
    assert url_has_credentials(url) is secret


def test_credentialed_url_is_marked_sensitive_on_construction() -> None:
    hook = Webhook(product=PRODUCT, group="development", event="deployment", url=LITERAL)
    assert "url" in hook.sensitive
    plain = Webhook(
        product=PRODUCT, group="development", event="deployment", url="https://a.example/x"
    )
    assert plain.sensitive == frozenset()


def _fleet_with_credentialed_hooks() -> tuple[ImpCentralState, ImpCentralState]:
    redact.reset_for_tests()
    f = fleet()
    # Declared literally in the manifest (no variable, no !secret), not yet live.
    put(f.desired, webhook("development", "deployment", LITERAL, side="desired"))
    # Present only in live impCentral: pruned (delete) or left alone; either way listed.
    put(f.live, webhook("production", "blessing", LIVE_ONLY, side="live"))
    return f.desired, f.live


@pytest.mark.parametrize("prune", [False, True])
def test_plan_formats_never_show_credentialed_urls(prune: bool) -> None:
    desired, live = _fleet_with_credentialed_hooks()
    plan = build_plan(
        [plan_input(desired, live)], PlanOptions(prune=prune), PlanSource("manifests")
    )
    for text in (render_text(plan), render_markdown(plan), render_json(plan)):
        assert "hunter2-literal" not in text
        assert "live-only-token-123" not in text
    assert "hooks.example.com" in render_text(plan)  # the address still says where it goes


@pytest.mark.parametrize("fmt", sorted(DRIFT_RENDERERS))
def test_drift_formats_never_show_credentialed_urls(fmt: str) -> None:
    desired, live = _fleet_with_credentialed_hooks()
    report = compare([drift_input(desired, live)])
    assert report.has_drift
    text = DRIFT_RENDERERS[fmt](report)
    assert "hunter2-literal" not in text
    assert "live-only-token-123" not in text
