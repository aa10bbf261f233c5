"""Property: however the example manifests are mutated, `impops validate` answers cleanly.

Each example copies `examples/manifests` to a fresh directory and applies a few mutations:
structural ones (a value, key or subtree replaced by anything YAML can hold, a `!secret`
planted), textual ones (hostile snippets inserted, lines cut, duplicated or re-indented) and
file-system ones (a file replaced by garbage bytes, a symlink out of the root, a directory).
Then `impops validate --format json` must exit 0 or 1, never print `internal error` or a
traceback, report every problem with a file and a line, and never print a planted secret.

CI runs a bounded, derandomized number of examples (well under a minute on 2 cores). For a long
run: `IMPOPS_FUZZ_PROFILE=long` (random, 20,000 examples), and `IMPOPS_FUZZ_EXAMPLES=N` sets
the count of either profile, e.g.

    IMPOPS_FUZZ_PROFILE=long IMPOPS_FUZZ_EXAMPLES=100000 pytest tests/manifest/test_fuzz.py
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from impops import redact
from impops.cli import main

from .conftest import EXAMPLES

_LONG = os.environ.get("IMPOPS_FUZZ_PROFILE") == "long"
_EXAMPLES = int(os.environ.get("IMPOPS_FUZZ_EXAMPLES") or (20_000 if _LONG else 300))
FUZZ = settings(
    max_examples=_EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the worktree
    derandomize=not _LONG,  # CI: the same examples every run, never a flaky failure
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MANIFESTS = ("impops.yaml", "weather-station/product.yaml", "asset-tracker/product.yaml")
CODE = tuple(
    p.relative_to(EXAMPLES).as_posix() for p in sorted(EXAMPLES.rglob("*.nut")) if p.is_file()
)
SECRET = "SENTINEL-7f3a91c2"
_PLACEHOLDER = "__PLANTED_SECRET__"

SNIPPETS = [
    *("!!int ", "!!float ", "!!bool ", "!!str ", "!!null ", "!!binary ", "!!set ", "!!omap "),
    *("!!map ", "!!seq ", "!!timestamp ", "!secret ", "!foo ", "!<tag:x> ", "!!python/none "),
    *("&a ", "*a", "*nope", "<<: *a\n", "<<: ", "<<: [*a, *a]\n", "&a [*a]"),
    *("${X}", "${", "$${", "${1}", "${WEATHER_API_KEY}"),
    *("[", "]", "{", "}", ",", ": ", "- ", "? ", "#", "'", '"', "|", ">", "|-\n", "&", "*"),
    *("[" * 80, "[" * 600 + "]" * 600, "{a: " * 70 + "}" * 70, "- " * 70, "[" * 70 + "]" * 70),
    *("\t", "\r", "\r\n", "\n", "  ", "    "),
    *("\x00", "\x01", "\x1b", "\x7f", "\x85", "\ufeff", "\u2028", "\ufffe", "\u202e", "😀"),
    *('"\\0"', '"\\ud800"', '"\\x01"', '"\\N"', '"\\q"', "\\0"),
    *("a" * 300, "../", "../../etc/passwd", "/etc/passwd", "~/", "src/", "src/app.agent.nut"),
    *("http://[", "https://]/x", "http://", "ftp://x", "https://h.example.com/?token=t"),
    *("null", "~", "true", "yes", "0x1F", "1e400", ".nan", "-.inf", "2024-01-01", "0o17"),
    *("---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n"),
    *("development", "production", "factoryfixture", "pre_dut", "dut", "blessing", "all"),
    *("type: ", "production_target: ", "dut_target: ", "code: ", "webhooks: ", "devices: "),
    *("env_vars: ", "product: ", "products: ", "version: ", "retired_products: "),
    "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
]
WORDS = [s for s in SNIPPETS if "\n" not in s and len(s) < 40] + [
    "prod",
    "production",
    "factory",
    "dut",
    "weather-station",
    "src/app.device.nut",
    "*/product.yaml",
    "**/*.yaml",
    "*",
]

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    _text,
    st.sampled_from(WORDS),
    st.just(_PLACEHOLDER),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_text, st.sampled_from(WORDS)), inner, max_size=4),
    ),
    max_leaves=12,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.extend(_paths(value, (*prefix, index)))
    return found


def _container(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def structural(draw: st.DrawFn, data: Any) -> Any:
    """Replace, delete or add something at a random place of `data` (mutated in place)."""
    paths = _paths(data)[1:]
    leaves = [p for p in paths if not isinstance(_container(data, p), dict | list)]
    path = draw(st.sampled_from(leaves if leaves and draw(st.booleans()) else paths or [()]))
    if not path:
        return data
    parent = _container(data, path[:-1])
    action = draw(st.sampled_from(["replace", "delete", "add", "rename"]))
    if action == "replace":
        parent[path[-1]] = draw(st.one_of(st.sampled_from([*WORDS, _PLACEHOLDER]), _values))
    elif action == "delete":
        del parent[path[-1]]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.one_of(st.sampled_from(WORDS), _text))] = draw(_values)
    elif action == "add" and isinstance(parent, list):
        parent.insert(draw(st.integers(0, len(parent))), draw(_values))
    elif action == "rename" and isinstance(parent, dict):
        value = parent.pop(path[-1])
        parent[draw(st.one_of(st.sampled_from([*WORDS, _PLACEHOLDER]), _text))] = value
    return data


def _dump(data: Any) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue().replace(_PLACEHOLDER, f"!secret {SECRET}")


@st.composite
def textual(draw: st.DrawFn, text: str) -> str:
    """One textual mutation of `text`."""
    lines = text.split("\n")
    action = draw(
        st.sampled_from(["value", "value", "value", "insert", "replace", "cut", "dup", "indent"])
    )
    where = draw(st.integers(0, len(text)))
    starts = [i + 2 for i in range(len(text) - 1) if text[i : i + 2] in (": ", "- ")]
    if action == "value" and starts:
        # Where a value begins: the place a tag, an anchor or a hostile value matters most.
        where = draw(st.sampled_from(starts))
        end = where if draw(st.booleans()) else text.find("\n", where) % (len(text) + 1)
        return text[:where] + draw(st.sampled_from(SNIPPETS)) + text[max(where, end) :]
    if action in ("insert", "value"):
        return text[:where] + draw(st.sampled_from(SNIPPETS)) + text[where:]
    if action == "replace":
        end = draw(st.integers(where, min(len(text), where + 20)))
        return text[:where] + draw(st.one_of(st.sampled_from(SNIPPETS), _text)) + text[end:]
    if action == "cut":
        end = draw(st.integers(where, min(len(text), where + 200)))
        return text[:where] + text[end:]
    index = draw(st.integers(0, max(0, len(lines) - 1)))
    if action == "dup":
        lines.insert(index, lines[index])
    elif action == "indent":
        delta = draw(st.integers(-4, 4))
        lines[index] = " " * delta + lines[index] if delta >= 0 else lines[index][-delta:]
    else:
        lines.insert(index, draw(st.sampled_from(SNIPPETS)).rstrip("\n"))
    return "\n".join(lines)


@st.composite
def mutated_tree(draw: st.DrawFn) -> tuple[dict[str, str | bytes], list[tuple[str, str]], bool]:
    """(file contents to write, file-system changes, whether a planted secret may be checked)."""
    name = draw(st.sampled_from(MANIFESTS))
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    files: dict[str, str | bytes] = {}
    secret_checkable = False
    if draw(st.booleans()):
        data = YAML(typ="safe", pure=True).load(text)
        for _ in range(draw(st.integers(1, 3))):
            data = draw(structural(data))
        text = _dump(data)
        secret_checkable = True
    for _ in range(draw(st.integers(0 if secret_checkable else 1, 3))):
        text = draw(textual(text))
        secret_checkable = False
    files[name] = text
    if draw(st.integers(0, 9)) == 0:
        files[draw(st.sampled_from(CODE))] = draw(st.binary(max_size=64))
    changes: list[tuple[str, str]] = []
    if draw(st.integers(0, 9)) == 0:
        target = draw(st.sampled_from([*MANIFESTS[1:], *CODE]))
        changes.append((draw(st.sampled_from(["symlink-out", "dir", "delete", "loop"])), target))
    return files, changes, secret_checkable


def _apply(root: Path, outside: Path, files: dict[str, str | bytes], changes: list[Any]) -> None:
    for name, content in files.items():
        path = root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8", "surrogatepass"))
    for action, name in changes:
        path = root / name
        path.unlink()
        if action == "symlink-out":
            path.symlink_to(outside)
        elif action == "dir":
            path.mkdir()
        elif action == "loop":
            path.symlink_to(path)


def run_validate(root: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(root), "--format", "json"])
    return code, out.getvalue(), err.getvalue()


@FUZZ
@given(mutated_tree())
def test_validate_answers_cleanly_whatever_the_manifest(
    case: tuple[dict[str, str | bytes], list[tuple[str, str]], bool],
) -> None:
    files, changes, secret_checkable = case
    redact.reset_for_tests()  # per example: a secret registered earlier must not hide a leak
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "manifests"
        shutil.copytree(EXAMPLES, root)
        outside = Path(tmp) / "outside.yaml"
        outside.write_text("product: outside\n", encoding="utf-8")
        _apply(root, outside, files, changes)
        code, out, err = run_validate(root)
    assert code in (0, 1), (code, out, err)
    assert "internal error" not in out + err, err
    assert "Traceback" not in out + err, err
    assert err == "", err  # json mode: everything is in the report
    report = json.loads(out)
    if code == 0:
        assert report["valid"] is True
    else:
        assert report["valid"] is False
        assert report["problems"], report
        for problem in report["problems"]:
            assert problem["file"], problem
            assert not problem["file"].startswith("/"), problem
            assert problem["line"] >= 1, problem
            assert problem["column"] >= 1, problem
            assert problem["message"], problem
    if secret_checkable:
        assert SECRET not in out, out
