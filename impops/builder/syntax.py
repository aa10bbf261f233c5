"""Block structure: turn a token stream into a tree of instructions.

Mirrors Builder's parser state machine: ``@if``/``@elseif``/``@else``/``@endif`` with at most
one ``@else``, ``@macro``/``@while``/``@repeat`` bodies with their own closers, and ``@end``
closing whichever block is innermost. Errors name the file by basename, as Builder does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TypeAlias

from impops.builder.lexer import Token, tokenize
from impops.builder.problems import SyntaxFailure


@dataclass
class Output:
    line: int
    column: int
    text: str
    computed: bool  # False: ``text`` is literal; True: an inline expression


@dataclass
class Include:
    line: int
    column: int
    value: str
    once: bool


@dataclass
class SetVar:
    line: int
    column: int
    name: str
    value: str


@dataclass
class Message:
    line: int
    column: int
    kind: str  # "error" or "warning"
    value: str


@dataclass
class Conditional:
    line: int
    column: int
    test: str
    consequent: list[Instruction] = field(default_factory=list)
    elseifs: list[Conditional] = field(default_factory=list)
    alternate: list[Instruction] | None = None


@dataclass
class Macro:
    line: int
    column: int
    declaration: str
    body: list[Instruction] = field(default_factory=list)


@dataclass
class Loop:
    line: int
    column: int
    kind: str  # "while" or "repeat"
    expression: str
    body: list[Instruction] = field(default_factory=list)


Instruction: TypeAlias = Output | Include | SetVar | Message | Conditional | Macro | Loop

_IF_STATES = ("if_consequent", "if_elseif", "if_alternate")
_CLOSERS = {"macro": "endmacro", "while": "endwhile", "repeat": "endrepeat"}


class _Parser:
    def __init__(self, tokens: Iterator[Token], file: str) -> None:
        self.tokens = tokens
        self.file = file
        self.last_line = 0

    def fail(self, message: str, token: Token) -> SyntaxFailure:
        return SyntaxFailure(message, self.file, token.line, token.column)

    def block(self, parent: Conditional | Macro | Loop | None, state: str) -> list[Instruction]:
        """Parse until this block's closer; returns the top-level list for ``state == "ok"``."""
        root: list[Instruction] = []
        for token in self.tokens:
            self.last_line = token.line
            kind = token.kind
            if kind == "else":
                if state not in _IF_STATES or not isinstance(parent, Conditional):
                    raise self.fail("Unexpected @else", token)
                if parent.alternate is not None:
                    raise self.fail("Multiple @else statements are not allowed", token)
                parent.alternate = []
                state = "if_alternate"
            elif kind == "elseif":
                if state == "if_alternate":
                    raise self.fail("@elseif after @else is not allowed", token)
                if state not in _IF_STATES or not isinstance(parent, Conditional):
                    raise self.fail("Unexpected @elseif", token)
                parent.elseifs.append(Conditional(token.line, token.column, token.arg))
                state = "if_elseif"
            elif kind == "endif":
                if state not in _IF_STATES:
                    raise self.fail("Unexpected @endif", token)
                return root
            elif kind in ("endmacro", "endwhile", "endrepeat"):
                if _CLOSERS.get(state) != kind:
                    raise self.fail(f"Unexpected @{kind}", token)
                return root
            elif kind == "end":
                if state == "ok":
                    raise self.fail("Unexpected @end", token)
                return root
            else:
                node = self.instruction(token)
                self.append(root, parent, state, node)
        self.check_closed(state)
        return root

    def instruction(self, token: Token) -> Instruction:
        kind, line, column = token.kind, token.line, token.column
        if kind == "include":
            return Include(line, column, token.arg, token.once)
        if kind == "set":
            return SetVar(line, column, token.arg, token.value)
        if kind in ("error", "warning"):
            return Message(line, column, kind, token.arg)
        if kind in ("text", "inline"):
            return Output(line, column, token.arg, kind == "inline")
        if kind == "if":
            cond = Conditional(line, column, token.arg)
            self.block(cond, "if_consequent")
            return cond
        if kind == "macro":
            macro = Macro(line, column, token.arg)
            self.block(macro, "macro")
            return macro
        loop = Loop(line, column, kind, token.arg)  # while / repeat
        self.block(loop, kind)
        return loop

    @staticmethod
    def append(
        root: list[Instruction],
        parent: Conditional | Macro | Loop | None,
        state: str,
        node: Instruction,
    ) -> None:
        if state == "ok" or parent is None:
            root.append(node)
        elif isinstance(parent, Conditional):
            if state == "if_consequent":
                parent.consequent.append(node)
            elif state == "if_alternate":
                assert parent.alternate is not None
                parent.alternate.append(node)
            else:
                parent.elseifs[-1].consequent.append(node)
        else:
            parent.body.append(node)

    def check_closed(self, state: str) -> None:
        if state == "ok":
            return
        name = "if" if state in _IF_STATES else state
        raise SyntaxFailure(f"Unclosed @{name} statement", self.file, self.last_line)


def parse(source: str, file: str) -> list[Instruction]:
    """Parse ``source``; ``file`` is the basename used in syntax error messages."""
    parser = _Parser(tokenize(source, file), file)
    return parser.block(None, "ok")
