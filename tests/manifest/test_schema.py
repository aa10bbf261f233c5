"""The committed JSON Schema files match the pydantic models; `impops schema` behaves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impops import schema
from impops.cli import main

from .conftest import REPO


def test_committed_schemas_are_up_to_date() -> None:
    stale = schema.stale(REPO / "schemas")
    assert stale == [], f"run `impops schema` to regenerate: {stale}"


def test_render_is_deterministic() -> None:
    assert schema.render() == schema.render()


def test_schema_content() -> None:
    product = json.loads(schema.render()["impops-product.schema.json"])
    assert product["$schema"] == schema.SCHEMA_DIALECT
    assert product["additionalProperties"] is False
    assert product["required"] == ["product"]
    group = product["$defs"]["DeviceGroupManifest"]
    assert group["properties"]["type"]["enum"][0] == "development"
    assert group["additionalProperties"] is False
    project = json.loads(schema.render()["impops-project.schema.json"])
    assert set(project["properties"]) >= {"version", "products", "prune", "safety", "vars"}


def test_cli_write_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s"
    assert main(["schema", "--out", str(out), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["schema", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(schema.SCHEMA_FILES)
    assert main(["schema", "--out", str(out), "--check"]) == 0
    (out / "impops-product.schema.json").write_text("{}\n")
    assert main(["schema", "--out", str(out), "--check"]) == 1
