"""Line processing: split a source into lines and classify each one as Builder does.

A line is a *directive* (it produces no output), an ``@``-comment (dropped), or output text that
is split into literal fragments and inline ``@{...}`` expressions. Directive arguments lose
their ``//`` and ``/* */`` comments the way the ``decomment`` package's text mode removes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from impops.builder import jsep
from impops.builder.jsvalue import JS_WS_CLASS, js_trim
from impops.builder.problems import SyntaxFailure

_JS_DOT: Final = r"[^\n\r\u2028\u2029]"
DIRECTIVE: Final = re.compile(
    rf"^{JS_WS_CLASS}*@(include|set|if|else|elseif|endif|error|macro|endmacro|end|while|endwhile"
    rf"|repeat|endrepeat|warning)\b({_JS_DOT}*?){JS_WS_CLASS}*$",
    re.ASCII,
)
COMMENT: Final = re.compile(rf"^{JS_WS_CLASS}*@{JS_WS_CLASS}")
_INLINE_START: Final = re.compile(rf"@\{{{_JS_DOT}*?\}}")
_SET_ARGS: Final = re.compile(
    rf"^([_$A-Za-z][_A-Za-z0-9]*){JS_WS_CLASS}*(?:={JS_WS_CLASS}*)?(.*?)$"
)
_LINE: Final = re.compile(rf"{_JS_DOT}*(?:\r\n|\n)?")

# Directives whose argument must be empty / must be present.
NO_ARGUMENT: Final = frozenset({"else", "endif", "endmacro", "end", "endwhile", "endrepeat"})


@dataclass(frozen=True)
class Token:
    """One lexical unit: a directive, or a piece of output text on ``line``."""

    kind: str  # a directive name, "text" or "inline"
    line: int
    column: int  # 1-based column of the directive's @ or of the inline @{
    arg: str = ""
    once: bool = False
    value: str = ""  # the value expression of @set (``arg`` is the variable name)


def split_lines(source: str) -> list[str]:
    """Lines with their own ``\\n`` or ``\\r\\n``, exactly as ``/(.*(?:\\r\\n|\\n)?)/g`` splits.

    JavaScript's ``.`` stops at ``\\r``, U+2028 and U+2029 too: such a character that is not
    part of ``\\r\\n`` ends a line and is itself dropped (an empty line takes its place).
    """
    lines: list[str] = []
    pos = 0
    while True:
        match = _LINE.match(source, pos)
        assert match is not None  # the pattern matches the empty string
        text = match.group(0)
        lines.append(text)
        if text:
            pos = match.end()
        elif pos >= len(source):
            break
        else:
            pos += 1
    return lines[:-1]


def decomment(text: str) -> str:
    """Remove ``//`` and ``/* */`` comments from one line of text, leaving quoted strings.

    Mirrors ``decomment.text`` on a single line: an unterminated quote or block comment cuts
    the rest of the line, spaces that only precede comments are dropped.
    """
    out: list[str] = []
    pending_spaces = ""
    empty_line = True
    length = len(text)
    idx = 0
    while idx < length:
        symbol = text[idx]
        if symbol == "/" and idx < length - 1 and (idx == 0 or text[idx - 1] != "\\"):
            nxt = text[idx + 1]
            if nxt == "/":
                break  # no line break follows inside one line: the rest is the comment
            if nxt == "*":
                end = text.find("*/", idx + 2)
                if end < 0:
                    break
                if empty_line:
                    pending_spaces = ""
                idx = end + 2
                continue
        is_space = symbol in (" ", "\t")
        if symbol not in ("\r", "\n") and not is_space:
            empty_line = False
            out.append(pending_spaces)
            pending_spaces = ""
        if empty_line and is_space:
            pending_spaces += symbol
        else:
            out.append(symbol)
        if symbol in ("'", '"', "`") and (idx == 0 or text[idx - 1] != "\\"):
            close = idx
            while True:
                close = text.find(symbol, close + 1)
                if close <= 0:
                    break
                back = close
                while back > 0 and text[back - 1] == "\\":
                    back -= 1
                if (close - back) % 2 == 0:
                    break
            if close < 0:
                break
            out.append(text[idx + 1 : close + 1])
            idx = close
        idx += 1
    return "".join(out)


def tokenize(source: str, file: str) -> Iterator[Token]:
    """Yield the tokens of ``source``; ``file`` (a basename) names syntax errors."""
    for number, text in enumerate(split_lines(source), start=1):
        match = DIRECTIVE.match(text)
        if match:
            yield _directive(match.group(1), match.group(2), number, text.index("@") + 1, file)
        elif COMMENT.match(text):
            continue
        else:
            yield from _fragments(text, number, file)


def _directive(kind: str, raw: str, line: int, column: int, file: str) -> Token:
    arg = decomment(js_trim(raw))
    if kind == "include":
        once = re.match(r"^once\b", arg, re.ASCII) is not None
        if once:
            arg = js_trim(arg[5:])
        _require(arg != "", kind, file, line, column)
        return Token(kind, line, column, arg, once)
    if kind == "set":
        match = _SET_ARGS.match(arg)
        if not match or match.group(2) == "":
            raise SyntaxFailure("Syntax error in @set", file, line, column)
        return Token(kind, line, column, match.group(1), value=match.group(2))
    if kind in NO_ARGUMENT:
        _require(arg == "", kind, file, line, column)
    else:
        _require(arg != "", kind, file, line, column)
    return Token(kind, line, column, arg)


def _require(ok: bool, kind: str, file: str, line: int, column: int) -> None:
    if not ok:
        raise SyntaxFailure(f"Syntax error in @{kind}", file, line, column)


def _fragments(fragment: str, line: int, file: str) -> Iterator[Token]:
    """Split an output line into text and inline expressions (longest valid ``@{...}``)."""
    consumed = 0
    while (match := _INLINE_START.search(fragment)) is not None:
        start = match.start()
        arg_len = len(fragment) - start - 3
        expression = None
        while arg_len >= 0:
            candidate = fragment[start + 2 : start + 2 + arg_len]
            if jsep.accepts(candidate):
                expression = candidate
                break
            arg_len -= 1
        close = start + 2 + max(arg_len, 0)
        if expression is None or fragment[close : close + 1] != "}":
            raise SyntaxFailure(
                "Syntax error in the inline instruction at", file, line, consumed + start + 1
            )
        if start > 0:
            yield Token("text", line, consumed + 1, fragment[:start])
        yield Token("inline", line, consumed + start + 1, expression)
        consumed += close + 1
        fragment = fragment[close + 1 :]
    if fragment != "":
        yield Token("text", line, consumed + 1, fragment)
