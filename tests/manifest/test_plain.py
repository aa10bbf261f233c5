"""The one-pass reader of plain documents (manifest/plain.py) against the node path.

Whenever `read_plain` accepts a document, its data (types and key order included), key and
value positions (in the same order: `path_at` breaks ties by it), secret paths and limit
errors must be exactly those of `parse_with_nodes`; whenever the document needs the node path
(aliases, merges, tags, duplicates, errors), `read_plain` must decline it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fleet.workload import Fleet, write_project
from impops import redact
from impops.manifest import limits
from impops.manifest.composer import LimitError
from impops.manifest.plain import read_plain
from impops.manifest.yaml import parse_with_nodes, parse_yaml

from .conftest import FIXTURES, REPO
from .test_fuzz import SNIPPETS

YAML_FILES = sorted(
    [*(REPO / "examples").rglob("*.yaml"), *FIXTURES.rglob("*.yaml")], key=lambda p: str(p)
)


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")


def _typed(value: Any) -> Any:
    """`value` with every type and every key order made visible (`1 == True == 1.0`)."""
    if isinstance(value, dict):
        return ("map", [(key, _typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(item) for item in value])
    return (type(value).__name__, repr(value))


def _outcome(result: tuple[Any, list[Any]]) -> Any:
    loaded, problems = result
    if loaded is None:
        return None, problems
    positions = loaded.positions
    return (
        _typed(loaded.data),
        list(positions.keys.items()),
        list(positions.values.items()),
        sorted(map(str, loaded.secret_paths)),
        loaded.broken,
        problems,
    )


def _plain(text: str) -> Any:
    """`read_plain`'s answer: None (declined), a limit error, or the outcome."""
    try:
        result = read_plain(text, "f.yaml")
    except LimitError as exc:
        return ("limit", exc.mark.line, exc.mark.column, exc.path, exc.message)
    return None if result is None else _outcome(result)


def _nodes(text: str) -> Any:
    try:
        return _outcome(parse_with_nodes(text, "f.yaml"))
    except LimitError as exc:  # pragma: no cover - parse_with_nodes reports it as a problem
        raise AssertionError("unreachable") from exc


def _same_as_nodes(text: str) -> bool:
    """Assert the plain reader agrees with the node path; True if it took the document."""
    plain = _plain(text)
    if plain is None:
        return False
    if plain[0] == "limit":
        _, line, column, _path, message = plain
        loaded, problems = parse_with_nodes(text, "f.yaml")
        assert loaded is None
        assert [(p.position.line, p.position.column, p.message) for p in problems] == [
            (line + 1, column + 1, message)
        ]
        assert parse_yaml(text, "f.yaml") == (loaded, problems)
        return True
    assert plain == _nodes(text)
    return True


PLAIN = [
    "a: 12345678901234567890\nb: -0\nc: +7\nd: 007\ne: 0\nf: -12\ng: 1e3\nh: 08\n",
    "a: yes\nb: 0x10\nc: 1.5\nd: ~\ne: true\nf: '5'\ng: 0o17\nh: 1_000\ni: .inf\nj: -.NaN\n",
    "a: 2024-01-01\nb: 2024-01-01T10:00:00Z\nc: 2001-12-14 21:59:43.10 -5\nd: null\ne:\n",
    "'': empty key\n2024: numeric key\n0x1: hex key\ntrue: bool key\nnull: null key\n",
    'a: |\n  one\n  two\nb: >-\n  folded\n  text\nc: plain\n  continued\nd: "dq\n  x"\n',
    "x: {a: [1, 2, {b: c}], 'q': \"w\"}\ny: [\n  1,\n  2\n]\nz: []\nw: {}\n",
    "l:\n- a\n- - b\n  - c\n-\n  d: e\n- {f: g}\n",
    "s: !secret abc123xyz\nt: [!secret 'x1', !secret \"y2\"]\n",
    "a: \"é😀\\u00e9 \\U0001F600\"\nb: 'it''s'\n# comment\nc: ~ # trailing\n",
    "a: 1\r\nb:\r\n  - x\r\n  - y\r\n",
    "\ufeffa: 1\nb: 2\n",
    "---\nk: v\n...\n",
    "anchored: &a plain  # an anchor alone changes nothing\n",
    "a: '<<'\nb: \"=\"\n'<<': quoted merge is a plain key\n",
    "nest: " + "[" * (limits.MAX_DEPTH - 1) + "]" * (limits.MAX_DEPTH - 1) + "\n",
    "big: " + "x" * limits.MAX_SCALAR_CHARS + "\n",
]
NOT_PLAIN = [
    "",
    "# only a comment\n",
    "- a list\n",
    "just text\n",
    "a: 1\na: 2\n",
    "base: &b {x: 1}\ng: *b\n",
    "base: &b {x: 1}\ng:\n  <<: *b\n",
    "a: !!str 1\n",
    "a: !!int x\n",
    "a: !foo x\n",
    "a: ! x\n",
    "!secret k: v\n",
    "!!str k: v\n",
    "a: !!map {}\n",
    "a: !secret [x]\n",
    "? [a, b]\n: 1\n",
    "a: <<\n",
    "a: =\n",
    "a: 2020-13-45\n",
    "a: " + "9" * 5000 + "\n",  # more digits than int() converts: a misfit for the node path
    'a: "\\ud800"\n',
    "a: 1\n---\nb: 2\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: [1, 2\n",
    "a:\n\t- b\n",
]
LIMITS = [
    "nest: " + "[" * limits.MAX_DEPTH + "]" * limits.MAX_DEPTH + "\n",
    "a:\n  b:\n" + "".join(f"{'  ' * (i + 2)}k{i}:\n" for i in range(limits.MAX_DEPTH)) + "\n",
    "ok: 1\nbig: " + "x" * (limits.MAX_SCALAR_CHARS + 1) + "\n",
    "l:\n  - " + "y" * (limits.MAX_SCALAR_CHARS + 1) + "\n",
    "m:\n  " + "k" * (limits.MAX_SCALAR_CHARS + 1) + ": v\n",
    # The first limit wins, even over a later problem only the node path would see.
    "big: " + "x" * (limits.MAX_SCALAR_CHARS + 1) + "\ndup: 1\ndup: 2\nz: *nope\n",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_documents_read_alike(text: str) -> None:
    assert _same_as_nodes(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_other_documents_are_left_to_the_node_path(text: str) -> None:
    assert read_plain(text, "f.yaml") is None


@pytest.mark.parametrize("text", LIMITS)
def test_limits_stop_at_the_same_place(text: str) -> None:
    assert _plain(text)[0] == "limit"
    assert _same_as_nodes(text)


def test_secrets_are_registered_only_from_a_file_that_loads() -> None:
    secret = "s3cret-value-42"
    broken = f"a: !secret {secret}\nbig: " + "x" * (limits.MAX_SCALAR_CHARS + 1) + "\n"
    assert parse_yaml(broken, "f.yaml")[0] is None
    assert redact.scrub(secret) == secret  # the node path never got as far as the secret
    assert parse_yaml(f"a: !secret {secret}\n", "f.yaml")[0] is not None
    assert redact.scrub(secret) != secret


def test_every_example_and_fixture_reads_alike() -> None:
    plain = [path for path in YAML_FILES if _same_as_nodes(_text(path))]
    # The examples are what real manifests look like: all of them take the one-pass reader.
    examples = [path for path in YAML_FILES if (REPO / "examples") in path.parents]
    assert examples
    assert set(examples) <= set(plain)


def test_the_benchmark_fleet_reads_alike(tmp_path: Path) -> None:
    write_project(tmp_path, Fleet(2, 20, 10))
    files = sorted(tmp_path.rglob("*.yaml"))
    assert len(files) == 3
    for path in files:
        assert _same_as_nodes(path.read_text(encoding="utf-8")), path


_examples = st.sampled_from([p for p in YAML_FILES if "examples" in p.parts])


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    _examples,
    st.lists(st.tuples(st.floats(0, 1), st.sampled_from(SNIPPETS)), min_size=1, max_size=3),
)
def test_mutated_examples_read_alike(path: Path, inserts: list[tuple[float, str]]) -> None:
    text = _text(path)
    for where, snippet in inserts:
        at = int(where * len(text))
        text = text[:at] + snippet + text[at:]
    if limits.NON_PRINTABLE.search(text):
        return  # parse_yaml reports those characters before any reader sees the text
    _same_as_nodes(text)
