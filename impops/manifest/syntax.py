"""YAML syntax errors in words a manifest author understands, at the position that matters.

ruamel.yaml reports parser internals ("while parsing a block mapping expected <block end>, but
found '<block mapping start>'"). `explain` maps the common cases to a sentence saying what is
wrong and how to fix it, and picks the mark that points at the mistake (for an unclosed quote,
where it opens, not the end of the file). Anything unrecognised keeps ruamel's own words, on
one line.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.error import MarkedYAMLError

_CHAR = re.compile(r"found character '(.+)' that cannot start any token")
_ALIAS = re.compile(r"found undefined alias '(.*)'")
_ESCAPE = re.compile(r"found unknown escape character '(.*)'")
_FOUND = re.compile(r"expected <block end>, but found '(.*)'")


def _problem(exc: MarkedYAMLError) -> str:
    return str(exc.problem or "")


def _context(exc: MarkedYAMLError) -> str:
    return str(exc.context or "")


def _line(mark: Any) -> int:
    return int(mark.line) + 1


def explain(exc: MarkedYAMLError) -> tuple[Any, str]:
    """(the mark to report, a plain-words message) for a ruamel syntax error."""
    problem, context = _problem(exc), _context(exc)
    at, ctx = exc.problem_mark, exc.context_mark
    if problem == "mapping values are not allowed here":
        return at, (
            "unexpected `:` (a key is indented deeper than the keys above it, or a value "
            "contains `: `; quote such a value)"
        )
    if "quoted scalar" in context and "end of stream" in problem:
        return ctx or at, "this quoted string is never closed (add the closing quote)"
    if context.startswith("while parsing a flow sequence"):
        where = f" (opened at line {_line(ctx)})" if ctx is not None else ""
        return at, f"unclosed `[`{where}: expected `,` or `]`"
    if context.startswith("while parsing a flow mapping"):
        where = f" (opened at line {_line(ctx)})" if ctx is not None else ""
        return at, f"unclosed `{{`{where}: expected `,` or `}}`"
    if match := _CHAR.search(problem):
        char = match.group(1)
        if char == "\\t":
            return at, "a tab character; YAML indentation must use spaces"
        return at, f"a value cannot start with `{char}` (put the value in quotes)"
    if match := _ALIAS.search(problem):
        return at, f"`*{match.group(1)}` refers to no anchor `&{match.group(1)}` defined above it"
    if context.startswith("expected a single document"):
        return at, "a second YAML document (`---`): a manifest file holds exactly one"
    if "could not find expected ':'" in problem:
        return ctx or at, "a line inside a map without `key: value` (missing `:`?)"
    if match := _ESCAPE.search(problem):
        return at, (
            f"unknown escape `\\{match.group(1)}` in a double-quoted string (write `\\\\` for "
            "a backslash, or use single quotes)"
        )
    if match := _FOUND.search(problem):
        found = match.group(1)
        if found == "-" or "block sequence" in found:
            return at, "a list item `-` where a key was expected (indent the list under its key)"
        if "block mapping" in found or found == "?":
            return at, "this key is not aligned with the keys above it (check the indentation)"
        return at, "unexpected text after a value (check the indentation, or quote the value)"
    if "expected the node content" in problem:
        return at, "a value is missing or starts with a character that needs quotes"
    if context.startswith("while scanning an anchor") or context.startswith(
        "while scanning an alias"
    ):
        return at, "an anchor `&` or alias `*` needs a name of letters, digits, `-` or `_`"
    words = " ".join(part for part in (context, problem) if part)
    return at or ctx, " ".join(words.split())
