"""The Mnubo model file: file:line:col errors, references, and the missing-credentials error."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from impops.cli import main
from impops.errors import ManifestError
from impops.manifest import load_project
from impops.providers.mnubo.desired import build_desired
from impops.providers.mnubo.registry import RegistryEntry

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "manifests"


def project(tmp_path: Path, model: str, group_type: str | None = None) -> Path:
    (tmp_path / "impops.yaml").write_text("version: 1\nproducts: [p.yaml]\nmnubo: m.yaml\n")
    groups = ""
    if group_type:
        groups = (
            f"device_groups:\n  dev:\n    type: development\n    mnubo_object_type: {group_type}\n"
        )
    (tmp_path / "p.yaml").write_text("product: P\n" + groups)
    (tmp_path / "m.yaml").write_text(model)
    return tmp_path


def problems(root: Path) -> list[str]:
    with pytest.raises(ManifestError) as err:
        load_project(root)
    return [str(p) for p in err.value.problems]


def test_errors_carry_file_line_column(tmp_path: Path) -> None:
    model = (
        "object_types:\n"
        "  station:\n"
        "    object_attributes: [site, nowhere]\n"
        "object_attributes:\n"
        "  site:\n"
        "    high_level_type: STRING\n"
        "    container_type: set\n"
        "  x_secret:\n"
        "    high_level_type: TEXT\n"
        "event_types:\n"
        "  reading:\n"
        "    origin: sometimes\n"
        "    displayName: R\n"
    )
    found = problems(project(tmp_path, model))
    text = "\n".join(found)
    assert "m.yaml:6:22: object_attributes.site.high_level_type: must be one of" in text
    assert (
        "m.yaml:7:21: object_attributes.site.container_type: must be one of 'none' or 'list'"
        in text
    )
    assert "m.yaml:8:3: object_attributes.x_secret:" in text
    assert "`x_` is reserved" in text
    assert "m.yaml:12:13: event_types.reading.origin:" in text
    assert (
        "m.yaml:13:5: event_types.reading.displayName: unknown key (did you mean `display_name`?)"
        in text
    )


def test_references_must_be_declared(tmp_path: Path) -> None:
    model = "object_types:\n  station:\n    object_attributes: [nowhere]\n"
    assert problems(project(tmp_path, model)) == [
        "m.yaml:3:25: object_types.station.object_attributes[0]: object attribute `nowhere` "
        "is not declared under `object_attributes:`"
    ]


def test_a_group_names_a_declared_object_type(tmp_path: Path) -> None:
    found = problems(project(tmp_path, "object_types:\n  station: {}\n", group_type="stat1on"))
    assert found == [
        "p.yaml:5:24: device_groups.dev.mnubo_object_type: object type `stat1on` is not "
        "declared in m.yaml"
    ]


def test_desired_state_of_the_example(tmp_path: Path) -> None:
    root = tmp_path / "m"
    shutil.copytree(EXAMPLES, root)
    model = load_project(root).mnubo
    assert model is not None
    entries = [RegistryEntry("agent1", "weather_station", "production")]
    state = build_desired(model, entries)
    assert state.zones == ("sandbox", "production")
    ts = state.resources["mnubo/timeseries/sandbox/temperature"]
    assert ts.event_types == ("reading",)
    assert "mnubo/timeseries/production/battery_voltage" not in state.resources
    objects = state.resources["mnubo/objects/production/weather_station"]
    assert objects.devices == ("agent1",)
    assert str(ts.source) == "mnubo.yaml:43:3"


def test_a_mnubo_section_without_credentials_is_a_clear_error(
    tmp_path: Path,
    emulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = project(tmp_path, "object_types:\n  station: {}\n")
    monkeypatch.setenv("IMPOPS_ENDPOINT", emulator.v5_url)
    monkeypatch.setenv("IMPOPS_LOGIN_KEY", "0123456789abcdef")
    assert main(["plan", str(root)]) == 1
    err = capsys.readouterr().err
    assert "IMPOPS_MNUBO_SANDBOX_URL" in err
    assert "IMPOPS_MNUBO_PRODUCTION_URL" not in err
