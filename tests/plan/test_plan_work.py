"""Work a no-change plan skips, counted (not timed): each test also shows the work is done
when something did change, so it fails if the skip or the count breaks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from planfleet import PRODUCT, deployment, fleet, put

from impops.engine import fieldchanges
from impops.engine.resource import Resource
from impops.providers.impcentral import model
from impops.providers.impcentral.diff import diff


def _count_deepdiff(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    real = fieldchanges.DeepDiff

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(fieldchanges, "DeepDiff", counting)
    return calls


def test_equal_values_never_reach_deepdiff(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_deepdiff(monkeypatch)
    f = fleet(extra_groups=20)
    assert diff(f.desired, f.live, prune=True).changes == ()
    assert calls[0] == 0
    put(f.desired, deployment("development", side="desired", description="nightly build"))
    assert len(diff(f.desired, f.live, prune=True).changes) == 1
    assert calls[0] == 1


def test_a_diff_dumps_each_resource_at_most_once(monkeypatch: pytest.MonkeyPatch) -> None:
    dumps: Counter[int] = Counter()
    real = Resource.model_dump

    def counting(self: Resource, *args: Any, **kwargs: Any) -> Any:
        dumps[id(self)] += 1
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Resource, "model_dump", counting)
    f = fleet(extra_groups=20)
    diff(f.desired, f.live, prune=True)
    assert dumps, "the differ compares groups and webhooks through comparable()"
    assert max(dumps.values()) == 1
    # Deployments are compared by digest and three metadata fields, never dumped.
    deployments = [r for s in (f.desired, f.live) for r in s.resources.values()]
    assert not [r for r in deployments if r.kind == "deployment" and dumps[id(r)]]


def test_a_webhook_url_is_parsed_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: Counter[str] = Counter()
    real = model.urlsplit

    def counting(url: str, *args: Any, **kwargs: Any) -> Any:
        parsed[url] += 1
        return real(url, *args, **kwargs)

    monkeypatch.setattr(model, "urlsplit", counting)
    model.webhook_url_id.cache_clear()
    model.url_has_credentials.cache_clear()
    f = fleet()
    diff(f.desired, f.live, prune=True)
    hooks = {r.url for r in f.live.resources.values() if isinstance(r, model.Webhook)}
    assert len(hooks) == 2
    # One parse for the address, one for the credentials check, whatever the number of sides,
    # resources and address lookups.
    assert parsed == {url: 2 for url in hooks}
    new = "https://hooks.example.com/other"
    put(f.desired, model.Webhook(product=PRODUCT, group="factory", event="blinkup", url=new))
    diff(f.desired, f.live, prune=True)
    assert parsed[new] == 2
