"""`validate` with Builder on: Builder errors and `@error` at the source file:line:col, all at
once with other manifest problems; `@warning` printed but not failing; secrets masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builder_manifest_helpers import API_KEY, Cli


def test_valid_project_builds_every_side(cli: Cli, project: Path) -> None:
    result = cli("validate", str(project))
    assert result.code == 0, result.text
    assert result.out.startswith("Valid: 1 product, 1 device group")
    assert result.err == ""


def test_errors_at_source_positions_all_at_once(cli: Cli, project: Path) -> None:
    agent = project / "src" / "agent.nut"
    agent.write_text(agent.read_text() + '  @include "lib/missing.nut"\n')  # line 7, col 3
    (project / "src" / "lib" / "sensor.nut").write_text(
        '// sensor\n@if PLATFORM != "imp005"\n@else\n@error "no sensor on " + PLATFORM\n@endif\n'
    )
    product = project / "thermostat.yaml"
    product.write_text(
        product.read_text().replace("    description: developer bench\n", "    descriptin: x\n")
    )
    result = cli("validate", str(project), "--format", "json")
    assert result.code == 1
    problems = json.loads(result.out)["problems"]
    where = {(p["file"], p["line"], p["column"]): p for p in problems}
    assert len(problems) == 3, problems
    missing = where[("src/agent.nut", 7, 3)]
    assert missing["key"] == "device_groups.dev.code.agent"
    assert 'Local file "lib/missing.nut" not found' in missing["message"]
    error = where[("src/lib/sensor.nut", 4, 1)]
    assert error["message"] == "no sensor on imp005"
    assert error["key"] == "device_groups.dev.code.device"
    assert any(p["file"] == "thermostat.yaml" and "unknown key" in p["message"] for p in problems)


def test_syntax_error_in_a_directive(cli: Cli, project: Path) -> None:
    (project / "src" / "lib" / "util.nut").write_text("// util\n@set X = (1 +\n")
    result = cli("validate", str(project))
    assert result.code == 1
    # Both sides include util.nut: each side's build reports it (same position, deduplicated).
    lines = [line for line in result.err.splitlines() if line.startswith("src/lib/util.nut:2:")]
    assert lines, result.err
    assert "Traceback" not in result.text


def test_bad_github_include_is_a_problem(cli: Cli, project: Path) -> None:
    device = project / "src" / "device.nut"
    device.write_text(device.read_text().replace("ring.nut@main", "ring.nut@no-such-branch"))
    result = cli("validate", str(project))
    assert result.code == 1
    assert "src/device.nut:4:1: device_groups.dev.code.device:" in result.err
    assert "github:acme/lib/ring.nut@no-such-branch" in result.err


def test_secret_variables_masked_in_messages(cli: Cli, project: Path) -> None:
    (project / "src" / "lib" / "sensor.nut").write_text('@error "key is " + API_KEY\n')
    result = cli("validate", str(project), "--format", "json")
    assert result.code == 1
    assert API_KEY not in result.text
    messages = [p["message"] for p in json.loads(result.out)["problems"]]
    assert "key is ***" in messages


def test_warning_is_reported_not_failing(cli: Cli, project: Path) -> None:
    sensor = project / "src" / "lib" / "sensor.nut"
    sensor.write_text('@warning "calibrate the sensor"\n' + sensor.read_text())
    result = cli("validate", str(project))
    assert result.code == 0, result.text
    assert "src/lib/sensor.nut:1:1: warning: calibrate the sensor" in result.err
    as_json = json.loads(cli("validate", str(project), "--format", "json").out)
    assert as_json["valid"] is True
    assert as_json["warnings"][0]["file"] == "src/lib/sensor.nut"


def test_unset_environment_variable_reported_once(
    cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("API_KEY")
    result = cli("validate", str(project), "--format", "json")
    assert result.code == 1
    problems = json.loads(result.out)["problems"]
    assert [p["key"] for p in problems] == ["device_groups.dev.code.builder.variables.API_KEY"]


def test_bad_builder_value(cli: Cli, project: Path) -> None:
    product = project / "thermostat.yaml"
    text = product.read_text().replace(
        "        line_control: false\n", "        line_control: 3\n        extra: 1\n"
    )
    product.write_text(text)
    (project / "impops.yaml").write_text(
        (project / "impops.yaml")
        .read_text()
        .replace(
            "    builder:\n      variables:\n        PLATFORM: imp005\n", "    builder: maybe\n"
        )
    )
    result = cli("validate", str(project), "--format", "json")
    assert result.code == 1
    found = {(p["key"], p["message"]) for p in json.loads(result.out)["problems"]}
    assert (
        "device_groups.dev.code.builder.line_control",
        "expected true or false, got a number",
    ) in found
    assert any(key == "device_groups.dev.code.builder.extra" for key, _ in found)
    assert (
        "defaults.code.builder",
        "expected true, false or a map (variables, line_control)",
    ) in found
