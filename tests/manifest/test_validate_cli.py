"""`impops validate`: exit codes and both output formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impops.cli import main

from .conftest import EXAMPLES, FIXTURES, write_tree


@pytest.fixture(autouse=True)
def _no_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEATHER_API_KEY", "TRACKER_TOKEN", "WIDGET_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_valid_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLES)]) == 0
    out = capsys.readouterr()
    assert out.out == "Valid: 2 products, 9 device groups, 2 webhooks.\n"
    assert out.err == ""


def test_valid_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLES), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == {"valid": True, "products": 2, "device_groups": 9, "webhooks": 2}


def test_default_dir_is_cwd(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("Valid:")


def test_invalid_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURES / "multi_error")]) == 1
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.splitlines()
    assert lines[0] == (
        "products/sensor.yaml:5:5: device_groups.dev.descriptin: unknown key "
        "(did you mean `description`?)"
    )
    assert lines[-1] == "9 problems found"
    assert len(lines) == 10


def test_invalid_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURES / "unknown_key"), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data == {
        "valid": False,
        "problems": [
            {
                "file": "product.yaml",
                "line": 5,
                "column": 5,
                "key": "device_groups.dev.descriptin",
                "message": "unknown key (did you mean `description`?)",
            }
        ],
    }


def test_syntax_error_is_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURES / "yaml_syntax_error")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("product.yaml:5:4: YAML syntax error")
    assert "Traceback" not in err


def test_missing_directory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(FIXTURES / "does-not-exist")]) == 1
    assert "manifest directory not found" in capsys.readouterr().err


def test_secret_in_message_is_scrubbed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The device listed twice comes from a variable: its value must not reach the output.
    write_tree(
        tmp_path,
        {
            "impops.yaml": "version: 1\nproducts: [p.yaml]\n",
            "p.yaml": "product: w\ndevice_groups:\n"
            "  a: {type: development, devices: ['${DEV}']}\n"
            "  b: {type: development, devices: ['${DEV}']}\n",
        },
    )
    monkeypatch.setenv("DEV", "0c2a69050d62aaaa")
    assert main(["validate", str(tmp_path), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert "0c2a69050d62aaaa" not in out
    assert "device `(sensitive value)` is already listed" in out
    assert main(["validate", str(tmp_path)]) == 1
    assert "0c2a69050d62aaaa" not in capsys.readouterr().err
