"""The CLI's own contract: usage errors, help and version, independent of any command."""

from __future__ import annotations

import pytest

from impops import __version__
from impops.cli import main


@pytest.mark.parametrize(
    "argv",
    [["plna"], ["plan", "--no-such-flag"], ["plan", "--format", "yaml"], []],
)
def test_usage_errors_exit_1_not_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # 2 means "changes present" to CI scripts: a typo must never look like a diff.
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 1
    assert "error:" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"impops {__version__}"


@pytest.mark.parametrize(
    "command", ["validate", "plan", "apply", "drift", "demo", "schema", "emulator"]
)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: impops {command}")
