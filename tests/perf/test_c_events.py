"""libyaml's events (ruamel's CParser) against the pure parser's: same values, styles, tags
and marks, so manifest positions stay exact when the C parser composes (manifest/composer.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from impops.manifest.composer import CParser, compose_with_c

DOCUMENTS = [
    'a: "é😀x"\nb: [1, {c: d}]\nkey é: 😀 value\n',
    "a: 1\r\nb:\r\n  - x\r\n  - y\r\n",
    "\ufeffa: 1\nb: 2\n",
    'a: |\n  line1\n  line2\nb: >-\n  folded\n  text\nc: plain\n  continued\nd: "dq\n  multi"\n',
    "a: &x {b: 1}\nc: *x\nd: !!str 12\ne: !secret API_KEY\n? complex\n: value\n",
    "a: \"\\/ \\x41 \\u00e9 \\U0001F600\"\nb: 'it''s'\n# comment\nc: ~ # trailing\n",
    "- a\n- - b\n  - c\n-\n  d: e\n",
    "a:   \n  b: 1   \n\n\n  c:    2\n",
    "k: v\n...\n",
    "x: {a: [1, 2, {b: c}], 'q': \"w\"}\ny: [\n  1,\n  2\n]\n",
]


def _key(event: Any) -> tuple[Any, ...]:
    start, end = event.start_mark, event.end_mark
    return (
        type(event).__name__,
        getattr(event, "style", None) or None,  # libyaml says "" for plain
        getattr(event, "value", None),
        getattr(event, "anchor", None),
        getattr(event, "tag", None),
        getattr(event, "implicit", None),
        (start.line, start.column, end.line, end.column),
    )


def _pure(text: str) -> list[tuple[Any, ...]]:
    return [_key(e) for e in YAML(typ="safe", pure=True).parse(io.StringIO(text))]


def _c(text: str) -> list[tuple[Any, ...]]:
    parser = CParser(io.StringIO(text))
    events = []
    while True:
        event = parser.get_event()
        events.append(_key(event))
        if type(event).__name__ == "StreamEndEvent":
            return events


@pytest.mark.skipif(CParser is None, reason="ruamel.yaml.clib is not installed")
@pytest.mark.parametrize("text", DOCUMENTS)
def test_same_events_and_marks(text: str) -> None:
    assert _c(text) == _pure(text)


@pytest.mark.skipif(CParser is None, reason="ruamel.yaml.clib is not installed")
def test_the_examples_compose_alike() -> None:
    root = Path(__file__).resolve().parents[2] / "examples"
    files = sorted(root.rglob("*.yaml"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert _c(text) == _pure(text), path


def test_directives_and_errors_are_left_to_the_pure_parser() -> None:
    assert compose_with_c("%YAML 1.1\n---\na: yes\n") is NotImplemented
    assert compose_with_c("a: [1, 2\n") is NotImplemented
    assert compose_with_c("a:\n\t- b\n") is NotImplemented
