"""How a group's Builder settings combine with the project default, and the example project."""

from __future__ import annotations

from builder_manifest_helpers import EXAMPLE

from impops.manifest import load_project
from impops.manifest.codebuild import builder_config
from impops.manifest.models import BuilderSettings, Code
from impops.providers.impcentral.desired import build_desired
from impops.providers.impcentral.model import Deployment

DEFAULT = BuilderSettings(variables={"A": 1, "B": "x"}, line_control=True)


def test_off_unless_turned_on() -> None:
    assert builder_config(None, Code(device="d.nut"), frozenset()) is None
    assert builder_config(DEFAULT, Code(device="d.nut", builder=False), frozenset()) is None
    assert builder_config(False, Code(device="d.nut"), frozenset()) is None


def test_true_keeps_the_default_settings() -> None:
    config = builder_config(DEFAULT, Code(device="d.nut", builder=True), frozenset())
    assert config is not None
    assert dict(config.variables) == {"A": 1, "B": "x"}
    assert config.line_control is True


def test_group_settings_override_name_by_name() -> None:
    own = BuilderSettings(variables={"B": "y", "C": False}, line_control=False)
    config = builder_config(DEFAULT, Code(device="d.nut", builder=own), frozenset({"C", "Z"}))
    assert config is not None
    assert dict(config.variables) == {"A": 1, "B": "y", "C": False}
    assert config.line_control is False
    assert config.secrets == {"C"}  # only names that are variables


def test_example_project_builds_offline() -> None:
    project = load_project(EXAMPLE, env={})
    state = build_desired(project)
    deployment = state.resources["deployment/thermostat/dev"]
    assert isinstance(deployment, Deployment)
    assert "@include" not in deployment.device_code
    assert "imp.wakeup(60, loop);" in deployment.device_code
    assert 'const LED_PIN = "hardware.pinE";' in deployment.device_code
    assert deployment.agent_code.count("function clamp(") == 1
    names = {source.name for source in deployment.sources}
    assert names == {"src/agent.nut", "src/device.nut", "src/lib/util.nut", "src/lib/sensor.nut"}
    assert deployment.code_origin("device.nut", 1) == "src/device.nut:1"
    assert deployment.code_origin("device.nut", 2) == "src/lib/util.nut:1"
    assert deployment.code_origin("device.nut", 10_000) is None
