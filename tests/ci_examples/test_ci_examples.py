"""The ready-to-copy pipelines in examples/ci: valid YAML, safe shape, and real impops commands.

Every `impops ...` command line in a GitHub Actions `run:` or a GitLab `script:` is parsed
with the real argparse parser of `impops.cli`, so a renamed or removed flag breaks this test.
Commands and flags that issue 7 plans but that do not exist yet are listed in NOT_YET; the
test strips exactly those before parsing and fails once one of them exists, so the list
shrinks to nothing as the features land.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from impops.cli import build_parser

ROOT = Path(__file__).resolve().parents[2] / "examples" / "ci"
GITHUB = sorted((ROOT / "github").glob("*.yml"))
GITLAB = [ROOT / "gitlab" / ".gitlab-ci.yml"]

# Not-yet-existing flags the examples already use: (subcommand, flag) -> how many values the
# flag takes. LEAD: empty this as issue 7 lands (`drift --out`, `apply --checksum`); the test
# fails for an entry that exists by then, to say so.
NOT_YET: dict[tuple[str, str], int] = {}
# Not-yet-existing subcommands the examples use (none today; `show` would go here).
NOT_YET_COMMANDS: set[str] = set()

_SEPARATORS = {"|", "||", "&&", ";", "(", ")", "&", ";;"}
_REDIRECTS = {">", ">>", "<", "<<", ">&", "<&"}
_PREFIX_WORDS = {"if", "then", "else", "elif", "do", "!", "time", "exec", "{", "}"}


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def github_scripts(doc: dict[str, Any]) -> Iterator[str]:
    for job in (doc.get("jobs") or {}).values():
        for step in job.get("steps") or []:
            if "run" in step:
                yield str(step["run"])


def gitlab_scripts(doc: dict[str, Any]) -> Iterator[str]:
    sections = [doc.get("default") or {}]
    sections += [v for k, v in doc.items() if isinstance(v, dict) and not k.startswith(".")]
    for job in sections:
        for key in ("before_script", "script", "after_script"):
            for line in job.get(key) or []:
                yield str(line)


def impops_commands(script: str) -> list[list[str]]:
    """Every `impops` invocation in a shell script, as argv after `impops`."""
    text = script.replace("\\\n", " ")
    text = re.sub(r"\$\{\{.*?\}\}", "GHA_EXPR", text)  # GitHub expressions hold spaces
    segments: list[list[str]] = [[]]
    for line in text.split("\n"):  # a newline ends a command, as in the shell
        segments.append([])
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        skip_next = False
        for token in lexer:
            if skip_next:
                skip_next = False
            elif token in _SEPARATORS:
                segments.append([])
            elif token in _REDIRECTS or re.fullmatch(r"\d[<>]+&?", token):
                skip_next = True
            else:
                segments[-1].append(token)
    commands = []
    for words in segments:
        while words and (words[0] in _PREFIX_WORDS or re.fullmatch(r"[A-Za-z_]\w*=.*", words[0])):
            words = words[1:]
        if words and words[0] == "impops":
            commands.append(words[1:])
    return commands


def all_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in GITHUB:
        for script in github_scripts(load(path)):
            found += [(path.name, argv) for argv in impops_commands(script)]
    for path in GITLAB:
        for script in gitlab_scripts(load(path)):
            found += [(path.name, argv) for argv in impops_commands(script)]
    return found


def strict_parser() -> argparse.ArgumentParser:
    """The real parser, without prefix matching: `--out` must not pass for `--output`."""
    parser = build_parser()
    parser.allow_abbrev = False
    for sub in subparsers(parser).values():
        sub.allow_abbrev = False
    return parser


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("impops has no subcommands")


def strip_not_yet(argv: list[str]) -> tuple[list[str], list[str]]:
    """argv without the allow-listed flags (and their values), and which were removed."""
    command = argv[0] if argv else ""
    kept: list[str] = []
    removed: list[str] = []
    i = 0
    while i < len(argv):
        flag = argv[i].split("=", 1)[0]
        nargs = NOT_YET.get((command, flag))
        if nargs is not None:
            removed.append(flag)
            i += 1 + (nargs if "=" not in argv[i] else 0)
            continue
        kept.append(argv[i])
        i += 1
    return kept, removed


# --- the tests ---------------------------------------------------------------------------------


def test_examples_exist_and_parse() -> None:
    assert {p.name for p in GITHUB} >= {
        "impops-plan.yml",
        "impops-apply.yml",
        "impops-drift.yml",
        "impops-matrix-plan.yml",
        "impops-matrix-apply.yml",
    }
    for path in [*GITHUB, *GITLAB]:
        assert isinstance(load(path), dict), path


def test_every_example_calls_impops() -> None:
    files = {name for name, _ in all_commands()}
    assert files == {p.name for p in [*GITHUB, *GITLAB]}


@pytest.mark.parametrize(
    ("name", "argv"), all_commands(), ids=lambda v: v if isinstance(v, str) else " ".join(v)
)
def test_impops_command_exists_with_these_flags(
    name: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert argv, f"{name}: bare `impops`"
    if argv[0] in NOT_YET_COMMANDS:
        pytest.skip(f"`impops {argv[0]}` is planned (issue 7), not implemented yet")
    kept, _ = strip_not_yet(argv)
    try:
        strict_parser().parse_args(kept)
    except SystemExit:
        err = capsys.readouterr().err
        pytest.fail(f"{name}: `impops {shlex.join(argv)}` is not a valid command:\n{err}")


def test_allow_list_holds_only_missing_flags() -> None:
    """LEAD: when this fails, the feature exists; delete its entry from NOT_YET."""
    commands = subparsers(build_parser())
    for (command, flag), _ in NOT_YET.items():
        sub = commands.get(command)
        assert sub is not None, f"NOT_YET names an unknown command {command!r}"
        assert flag not in sub._option_string_actions, (
            f"`impops {command} {flag}` exists now: remove it from NOT_YET"
        )
    for command in NOT_YET_COMMANDS:
        assert command not in commands, f"`impops {command}` exists now: remove it"
    used = {(argv[0], f) for _, argv in all_commands() for f in strip_not_yet(argv)[1]}
    assert used == set(NOT_YET), "NOT_YET lists flags no example uses"


def test_a_prefix_of_a_real_flag_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        strict_parser().parse_args(["plan", "--detailed"])
    capsys.readouterr()


def test_the_parser_of_this_test_finds_commands() -> None:
    script = (
        'set +e; FOO=1 impops plan "$M" --out p.json > p.md; code=$?\n'
        "pip install impops\n"
        "if impops drift x --format json | tee y; then :; fi\n"
        "impops comment --plan p.json \\\n  --key ${{ matrix.product }}  # note"
    )
    assert impops_commands(script) == [
        ["plan", "$M", "--out", "p.json"],
        ["drift", "x", "--format", "json"],
        ["comment", "--plan", "p.json", "--key", "GHA_EXPR"],
    ]


# --- shape: concurrency, environments, permissions ----------------------------------------------


def test_applies_are_serialised_and_behind_an_environment() -> None:
    for path in GITHUB:
        if "apply" not in path.name:
            continue
        doc = load(path)
        applying = [
            j
            for j in doc["jobs"].values()
            if any("impops apply" in str(s.get("run", "")) for s in j.get("steps") or [])
        ]
        assert applying, path.name
        for job in applying:
            group = job.get("concurrency") or doc.get("concurrency") or {}
            assert str(group.get("group", "")).startswith("impops-production"), path.name
            assert group.get("cancel-in-progress") is False, path.name
            assert job.get("environment") == "production", path.name
    gitlab = load(GITLAB[0])
    assert gitlab["impops-apply"]["resource_group"] == "impops-production"
    assert gitlab["impops-apply"]["environment"]["name"] == "production"


def test_every_github_workflow_has_concurrency_and_least_permissions() -> None:
    for path in GITHUB:
        doc = load(path)
        jobs = doc["jobs"].values()
        assert doc.get("concurrency") or all(j.get("concurrency") for j in jobs), path.name
        permissions = doc.get("permissions")
        assert isinstance(permissions, dict), f"{path.name}: set permissions explicitly"
        assert "write-all" not in str(permissions)
        assert permissions.get("contents") == "read", path.name


def test_secrets_only_through_env_never_on_a_command_line() -> None:
    for name, argv in all_commands():
        assert not any("secrets." in a or "TOKEN" in a for a in argv), (name, argv)
