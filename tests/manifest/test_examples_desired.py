"""The example fleet validates, and build_desired turns manifests into the expected resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from impops.engine.safety import SafetyThresholds
from impops.manifest import load_project
from impops.providers.impcentral.desired import build_desired
from impops.providers.impcentral.model import (
    IMPOPS_TAG,
    Deployment,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    Kind,
    RestartMode,
    Webhook,
    sha256_text,
)

from .conftest import EXAMPLES, write_tree


def test_examples_load() -> None:
    project = load_project(EXAMPLES, env={})
    assert project.root == EXAMPLES.resolve()
    assert project.product_names == ("asset-tracker", "weather-station")
    assert project.prune is False
    assert project.endpoint is None
    assert project.safety["weather-station"] == SafetyThresholds()
    assert project.safety["asset-tracker"] == SafetyThresholds(min_existing=20)
    names = {p.relative_to(EXAMPLES.resolve()).as_posix() for p in project.files}
    assert {"impops.yaml", "weather-station/product.yaml", "asset-tracker/product.yaml"} <= names
    assert "weather-station/src/dut.device.nut" in names
    assert len(names) == len(project.files) == 11  # with mnubo.yaml


def test_examples_desired_state() -> None:
    state = build_desired(load_project(EXAMPLES, env={}))
    groups = {r.address: r for r in state.of_kind(Kind.DEVICE_GROUP)}
    weather = ("development", "pre-production", "production", "pre-factory", "factory")
    assert sorted(groups) == sorted(
        [f"devicegroup/weather-station/{g}" for g in (*weather, "pre-dut", "dut")]
        + ["devicegroup/asset-tracker/development", "devicegroup/asset-tracker/production"]
    )
    factory = groups["devicegroup/weather-station/factory"]
    assert isinstance(factory, DeviceGroup)
    assert factory.type is GroupType.FACTORYFIXTURE
    assert (factory.production_target, factory.dut_target) == ("production", "dut")
    dev = groups["devicegroup/weather-station/development"]
    assert isinstance(dev, DeviceGroup)
    assert dev.env_vars == {
        "BACKEND_URL": "https://api-staging.example.com/v1/readings",
        "API_KEY": "demo-weather-api-key",
        "READING_INTERVAL": 60,
    }
    assert dev.sensitive == {"env_vars.API_KEY"}
    assert dev.source is not None
    assert dev.source.file == "weather-station/product.yaml"
    assert len(state.of_kind(Kind.DEPLOYMENT)) == 9
    assert state.of_kind(Kind.DEVICES) == []  # the examples leave assignment alone
    hooks = state.of_kind(Kind.WEBHOOK)
    assert {(h.group, h.event) for h in hooks if isinstance(h, Webhook)} == {
        ("development", "deployment"),
        ("production", "blessing"),
    }
    assert all(h.sensitive == {"url"} for h in hooks)


def test_example_deployments() -> None:
    state = build_desired(load_project(EXAMPLES, env={}))
    dev = state.resources["deployment/weather-station/development"]
    assert isinstance(dev, Deployment)
    agent = (EXAMPLES / "weather-station/src/app.agent.nut").read_text(encoding="utf-8")
    assert dev.agent_code == agent
    assert dev.agent_sha256 == sha256_text(agent)
    assert dev.tags == ("dev", "gitops", IMPOPS_TAG)  # group tags replace the default list
    assert dev.restart is RestartMode.CONDITIONAL  # from defaults
    assert dev.min_supported is None
    assert dev.origin == "impops:weather-station/product.yaml"
    production = state.resources["deployment/weather-station/production"]
    assert isinstance(production, Deployment)
    assert production.min_supported is True
    assert production.tags == ("gitops", IMPOPS_TAG)
    dut = state.resources["deployment/weather-station/dut"]
    assert isinstance(dut, Deployment)
    assert dut.agent_code == ""
    assert dut.agent_sha256 == sha256_text("")
    fixture = state.resources["deployment/weather-station/factory"]
    assert isinstance(fixture, Deployment)
    assert fixture.restart is RestartMode.NONE
    tracker = state.resources["deployment/asset-tracker/production"]
    assert isinstance(tracker, Deployment)
    assert tracker.flagged is True


MANAGED = """\
product: widget
device_groups:
  dev:
    type: development
    devices:
      - 0C:2A:69:05:0D:62
      - ABCDEF0123456789
      - T1oUmIZ3At_N
  bench:
    type: pre_factoryfixture
    production_target: pp
    dut_target: pd
    devices: []
  pp:
    type: pre_production
    region: eu-west
    load_code_after_blessing: false
  pd:
    type: pre_dut
  plain:
    type: development
"""


@pytest.fixture
def managed(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            "impops.yaml": "version: 1\nproducts: [w.yaml]\nprune: true\n"
            "endpoint: http://127.0.0.1:9999/v5\nsafety:\n  min_existing: 3\n"
            "  max_devices_affected: 50\n",
            "w.yaml": MANAGED + "safety:\n  max_devices_affected: null\n",
        },
    )


def test_device_assignment_only_when_declared(managed: Path) -> None:
    state = build_desired(load_project(managed, env={}))
    dev = state.resources["devices/widget/dev"]
    assert isinstance(dev, DeviceAssignment)
    assert dev.devices == ("0c:2a:69:05:0d:62", "T1oUmIZ3At_N", "abcdef0123456789")
    bench = state.resources["devices/widget/bench"]
    assert isinstance(bench, DeviceAssignment)
    assert bench.devices == ()
    assert "devices/widget/plain" not in state.resources
    assert "deployment/widget/plain" not in state.resources  # no code: code not managed


def test_project_settings_and_safety_merge(managed: Path) -> None:
    project = load_project(managed, env={})
    assert project.prune is True
    assert project.endpoint == "http://127.0.0.1:9999/v5"
    assert project.safety["widget"] == SafetyThresholds(min_existing=3, max_devices_affected=None)
    pp = build_desired(project).resources["devicegroup/widget/pp"]
    assert isinstance(pp, DeviceGroup)
    assert (pp.region, pp.load_code_after_blessing) == ("eu-west", False)


def test_retired_products_are_managed(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "impops.yaml": "version: 1\nproducts: [a.yaml]\nretired_products: [old-thing]\n",
            "a.yaml": "product: a\n",
        },
    )
    project = load_project(tmp_path, env={})
    assert project.product_names == ("a", "old-thing")
    assert project.safety["old-thing"] == SafetyThresholds()
    assert build_desired(project).products() == {"a"}
