"""`impops export` over HTTP: a varied account round-trips to a plan with no changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from adopt_account import OTHER, PRODUCT, SECRETS, build, secret_env
from adopt_helpers import Cli

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient


def _set(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def test_fresh_export_plans_no_changes(
    cli: Cli,
    client: ImpCentralClient,
    emulator: EmulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build(client, emulator)
    out = tmp_path / "project"
    result = cli("export", "--out", str(out))
    assert result.code == 0, result.text
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert "impops.yaml" in files
    assert "weather-station-1/product.yaml" in files
    assert "asset-tracker/product.yaml" in files
    assert "weather-station-1/src/production.agent.nut" in files
    written = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    for value in SECRETS.values():
        assert value not in written
        assert value not in result.text
    assert "${NOT_A_VAR}" not in written.replace("$${NOT_A_VAR}", "")
    found = secret_env(result.out)
    assert len(found) == 2, result.out
    _set(monkeypatch, found)
    plan = cli("plan", str(out), "--detailed-exitcode")
    assert plan.code == 0, plan.text
    assert "No changes." in plan.out


def test_export_refuses_a_non_empty_directory(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = cli("export", "--out", str(tmp_path))
    assert result.code == 1
    assert "not empty" in result.err
    assert (tmp_path / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "impops.yaml").exists()


def test_export_product_adds_to_an_existing_project(
    cli: Cli,
    client: ImpCentralClient,
    emulator: EmulatorServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    build(client, emulator)
    out = tmp_path / "project"
    first = cli("export", "--out", str(out), "--product", OTHER)
    assert first.code == 0, first.text
    assert not (out / "weather-station-1").exists()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = cli("export", "--out", str(out), "--product", PRODUCT)
    assert second.code == 0, second.text
    for path, data in before.items():
        assert path.read_bytes() == data, path  # the other product and impops.yaml untouched
    again = cli("export", "--out", str(out), "--product", PRODUCT)
    assert again.code == 1
    assert "already declared" in again.err
    _set(monkeypatch, secret_env(second.out))
    plan = cli("plan", str(out), "--detailed-exitcode")
    assert plan.code == 0, plan.text


def test_export_writes_the_mnubo_model(
    cli: Cli,
    client: ImpCentralClient,
    emulator: EmulatorServer,
    mnubo_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from impops.manifest import load_project

    build(client, emulator)
    # Put a model into Mnubo (sandbox and a promotion) with impops itself.
    source = tmp_path / "source"
    source.mkdir()
    (source / "impops.yaml").write_text("version: 1\nproducts: ['*/product.yaml']\nmnubo: m.yaml\n")
    (source / "p").mkdir()
    (source / "p" / "product.yaml").write_text(f"product: {OTHER}\n")
    (source / "m.yaml").write_text(
        "object_types:\n  tracker:\n    display_name: Tracker\n    object_attributes: [fw]\n"
        "event_types:\n  reading:\n    origin: scheduled\n    timeseries: [temp, hum]\n"
        "object_attributes:\n  fw: {high_level_type: TEXT, promote: true}\n"
        "timeseries:\n  temp: {high_level_type: TEMPERATURE, promote: true}\n"
        "  hum: {high_level_type: DOUBLE}\n"
        "owner_attributes:\n  tier: {high_level_type: TEXT, container_type: list}\n"
    )
    applied = cli("apply", str(source), "--auto-approve")
    assert applied.code == 0, applied.text
    out = tmp_path / "project"
    result = cli("export", "--out", str(out))
    assert result.code == 0, result.text
    assert "mnubo.yaml" in result.out
    project = load_project(out, env={**mnubo_env, **secret_env(result.out)})
    assert project.mnubo is not None
    model = project.mnubo.manifest
    assert model.timeseries["temp"].promote is True
    assert model.timeseries["hum"].promote is None
    assert model.event_types["reading"].timeseries == ["hum", "temp"]
    _set(monkeypatch, secret_env(result.out))
    plan = cli("plan", str(out), "--detailed-exitcode")
    assert plan.code == 0, plan.text
