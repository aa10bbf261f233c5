"""YAML syntax errors in plain words, at the line and column of the mistake (issue 9)."""

from __future__ import annotations

import pytest

from impops.manifest.yaml import parse_yaml

CASES = [
    # text, line, column, words the message must contain
    ("a:\n  b: 1\n   c: 2\n", 3, 5, "unexpected `:`"),
    ("a: b: c\n", 1, 5, "quote such a value"),
    ("a:\n    b: 1\n  c: 2\n", 3, 3, "not aligned with the keys above it"),
    ('a: "abc\nb: 1\n', 1, 4, "quoted string is never closed"),
    ("a: 'abc\nb: 1\n", 1, 4, "quoted string is never closed"),
    ("a: [1, 2\nb: 1\n", 2, 2, "unclosed `[` (opened at line 1)"),
    ("a: {x: 1\nb: 1\n", 2, 2, "unclosed `{` (opened at line 1)"),
    ("a:\n\tb: 1\n", 2, 1, "tab character"),
    ("a: *nope\n", 1, 4, "`*nope` refers to no anchor `&nope`"),
    ("a: 1\n---\nb: 2\n", 2, 1, "a second YAML document"),
    ("a: 1\nb\nc: 2\n", 2, 1, "without `key: value`"),
    ("a: 1\n- b\n", 2, 1, "a list item `-` where a key was expected"),
    ("a: @x\n", 1, 4, "cannot start with `@`"),
    ('a: "\\q"\n', 1, 6, "unknown escape `\\q`"),
    ("a: [1] x\n", 1, 8, "unexpected text after a value"),
    ("a: &\n", 1, 5, "needs a name"),
]


@pytest.mark.parametrize(("text", "line", "column", "words"), CASES)
def test_syntax_error_in_words(text: str, line: int, column: int, words: str) -> None:
    data, problems = parse_yaml(text, "f.yaml")
    assert data is None
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.position.line, problem.position.column) == (line, column)
    assert problem.message.startswith("YAML syntax error: ")
    assert words in problem.message
    assert "\n" not in problem.message
    # ruamel's internals never reach the user
    assert "<block" not in problem.message
    assert "while parsing" not in problem.message
    assert "while scanning" not in problem.message
