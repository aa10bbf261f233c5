"""CLI input (issue 9): "did you mean" for commands, flags and choices; global flags after the
subcommand. Usage errors stay exit 1 (2 means "changes present")."""

from __future__ import annotations

import argparse

import pytest

from impops.cli import build_parser, main


def usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 1
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["plna"], "did you mean `plan`?"),
        (["valdiate"], "did you mean `validate`?"),
        (["emulator", "serv"], "did you mean `serve`?"),
        (["validate", "--formt", "json"], "did you mean `--format`?"),
        (["plan", "--detailed-exit-code"], "did you mean `--detailed-exitcode`?"),
        (["apply", "--auto-aprove"], "did you mean `--auto-approve`?"),
        (["plan", "--format", "jsn"], "did you mean `json`?"),
        (["validate", "--format=jsn"], "did you mean `json`?"),
        (["emulator", "serve", "--group-delete", "cascad"], "did you mean `cascade`?"),
    ],
)
def test_did_you_mean(argv: list[str], hint: str, capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(argv, capsys)
    assert hint in err
    assert "Traceback" not in err


def test_no_hint_when_nothing_is_close(capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(["zzzzzz"], capsys)
    assert "did you mean" not in err
    assert "choose from validate, plan" in err


def test_unknown_flag_shows_the_subcommand_usage(capsys: pytest.CaptureFixture[str]) -> None:
    err = usage_error(["validate", "--formt", "json"], capsys)
    assert err.startswith("usage: impops validate")


@pytest.mark.parametrize(
    ("argv", "debug", "verbose"),
    [
        (["validate"], False, False),
        (["--debug", "validate"], True, False),
        (["validate", "--debug"], True, False),
        (["validate", "-v"], False, True),
        (["-v", "validate", "--debug"], True, True),
        (["emulator", "serve", "--verbose"], False, True),
    ],
)
def test_global_flags_before_or_after_the_subcommand(
    argv: list[str], debug: bool, verbose: bool
) -> None:
    args = build_parser().parse_args(argv)
    assert (args.debug, args.verbose) == (debug, verbose)


def test_choices_of_any_subcommand_get_a_hint(capsys: pytest.CaptureFixture[str]) -> None:
    # Group types, restart modes and webhook events given on the command line are `choices=`
    # flags: whatever command adds one gets the hint from the shared parser class.
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    extra = sub.add_parser("try-enums")
    extra.add_argument("--type", choices=("development", "pre_production", "production"))
    extra.add_argument("--restart", choices=("none", "conditional", "all"))
    extra.add_argument("--event", choices=("blessing", "blinkup", "deployment"))
    for argv, hint in [
        (["--type", "developement"], "`development`"),
        (["--restart", "conditonal"], "`conditional`"),
        (["--event", "blinup"], "`blinkup`"),
    ]:
        with pytest.raises(SystemExit) as exc:
            parser.parse_args(["try-enums", *argv])
        assert exc.value.code == 1
        assert f"did you mean {hint}?" in capsys.readouterr().err
