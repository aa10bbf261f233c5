"""The expression parser: a port of the grammar of jsep 0.3.5 as Builder configures it.

Builder removes ``!== === >> << >>> & ^`` and unary ``~`` from jsep. The quirks matter for a
byte-identical port: what jsep accepts decides where an inline ``@{...}`` ends, ``a b`` parses
as a *compound* (rejected later at evaluation), ``[1,2][1]`` is a compound of two arrays, and a
missing operand is represented by ``None`` (jsep's ``false``) and only fails at evaluation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final, TypeAlias

BINARY_OPS: Final[dict[str, int]] = {
    "||": 1,
    "&&": 2,
    "|": 3,
    "==": 6,
    "!=": 6,
    "<": 7,
    ">": 7,
    "<=": 7,
    ">=": 7,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "%": 10,
}
UNARY_OPS: Final = frozenset({"-", "!", "+"})
MAX_BINOP_LEN: Final = 2
LITERALS: Final[dict[str, object]] = {"true": True, "false": False, "null": None}


class JsepError(Exception):
    """A jsep parse error; ``str()`` is jsep's message, ``index`` the character offset."""

    def __init__(self, description: str, index: int) -> None:
        super().__init__(f"{description} at character {index}")
        self.description = description
        self.index = index


@dataclass
class Literal:
    value: object  # None, bool, float or str
    raw: str


@dataclass
class Identifier:
    name: str


@dataclass
class ThisExpression:
    pass


@dataclass
class Unary:
    operator: str
    argument: Node | None


@dataclass
class Binary:
    operator: str
    left: Node | None
    right: Node | None


@dataclass
class Conditional:
    test: Node | None
    consequent: Node
    alternate: Node


@dataclass
class Member:
    computed: bool
    object: Node | None
    property: Node | None


@dataclass
class Call:
    callee: Node | None
    arguments: list[Node] = field(default_factory=list)


@dataclass
class ArrayExpr:
    elements: list[Node | None]


@dataclass
class Compound:
    body: list[Node]


Node: TypeAlias = (
    Literal
    | Identifier
    | ThisExpression
    | Unary
    | Binary
    | Conditional
    | Member
    | Call
    | ArrayExpr
    | Compound
)


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9" and ch != ""


def _is_ident_start(ch: str) -> bool:
    if ch == "":
        return False
    return (
        ch in "$_"
        or "A" <= ch <= "Z"
        or "a" <= ch <= "z"
        or (ord(ch) >= 128 and ch not in BINARY_OPS)
    )


def _is_ident_part(ch: str) -> bool:
    return _is_ident_start(ch) or _is_digit(ch)


class _Parser:
    """One parse of one expression string (jsep's closure state)."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.index = 0
        self.length = len(expr)

    def ch(self, offset: int = 0) -> str:
        i = self.index + offset
        return self.expr[i] if 0 <= i < self.length else ""

    def spaces(self) -> None:
        while self.ch() in (" ", "\t", "\n", "\r") and self.ch() != "":
            self.index += 1

    def expression(self) -> Node | None:
        test = self.binary_expression()
        self.spaces()
        if self.ch() != "?":
            return test
        self.index += 1
        consequent = self.expression()
        if consequent is None:
            raise JsepError("Expected expression", self.index)
        self.spaces()
        if self.ch() != ":":
            raise JsepError("Expected :", self.index)
        self.index += 1
        alternate = self.expression()
        if alternate is None:
            raise JsepError("Expected expression", self.index)
        return Conditional(test, consequent, alternate)

    def binary_op(self) -> str | None:
        self.spaces()
        to_check = self.expr[self.index : self.index + MAX_BINOP_LEN]
        while to_check:
            if to_check in BINARY_OPS and (
                not _is_ident_start(self.ch())
                or (
                    self.index + len(to_check) < self.length
                    and not _is_ident_part(self.expr[self.index + len(to_check)])
                )
            ):
                self.index += len(to_check)
                return to_check
            to_check = to_check[:-1]
        return None

    def binary_expression(self) -> Node | None:
        left = self.token()
        op = self.binary_op()
        if op is None:
            return left
        right = self.token()
        if right is None:
            raise JsepError("Expected expression after " + op, self.index)
        operands: list[Node | None] = [left, right]
        ops: list[tuple[str, int]] = [(op, BINARY_OPS[op])]
        while (op := self.binary_op()) is not None:
            prec = BINARY_OPS[op]
            while ops and prec <= ops[-1][1]:
                rhs = operands.pop()
                lhs = operands.pop()
                operands.append(Binary(ops.pop()[0], lhs, rhs))
            node = self.token()
            if node is None:
                raise JsepError("Expected expression after " + op, self.index)
            ops.append((op, prec))
            operands.append(node)
        result = operands[-1]
        for j in range(len(ops) - 1, -1, -1):
            result = Binary(ops[j][0], operands[j], result)
        return result

    def token(self) -> Node | None:
        self.spaces()
        ch = self.ch()
        if _is_digit(ch) or ch == ".":
            return self.number()
        if ch in ("'", '"') and ch != "":
            return self.string()
        if ch == "[":
            return self.array()
        if ch != "" and ch in UNARY_OPS:
            self.index += 1
            return Unary(ch, self.token())
        if _is_ident_start(ch) or ch == "(":
            return self.variable()
        return None

    def number(self) -> Literal:
        start = self.index
        while _is_digit(self.ch()):
            self.index += 1
        if self.ch() == ".":
            self.index += 1
            while _is_digit(self.ch()):
                self.index += 1
        if self.ch() in ("e", "E") and self.ch() != "":
            self.index += 1
            if self.ch() in ("+", "-") and self.ch() != "":
                self.index += 1
            while _is_digit(self.ch()):
                self.index += 1
            if not _is_digit(self.expr[self.index - 1]):
                number = self.expr[start : self.index]
                raise JsepError(f"Expected exponent ({number}{self.ch()})", self.index)
        number = self.expr[start : self.index]
        if _is_ident_start(self.ch()):
            raise JsepError(
                f"Variable names cannot start with a number ({number}{self.ch()})", self.index
            )
        if self.ch() == ".":
            raise JsepError("Unexpected period", self.index)
        return Literal(_parse_float(number), number)

    def string(self) -> Literal:
        quote = self.ch()
        self.index += 1
        out: list[str] = []
        closed = False
        while self.index < self.length:
            ch = self.ch()
            self.index += 1
            if ch == quote:
                closed = True
                break
            if ch == "\\":
                esc = self.ch()
                self.index += 1
                out.append(
                    {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\x0b"}.get(
                        esc, esc
                    )
                )
            else:
                out.append(ch)
        text = "".join(out)
        if not closed:
            raise JsepError(f'Unclosed quote after "{text}"', self.index)
        return Literal(text, quote + text + quote)

    def identifier(self) -> Node:
        start = self.index
        if not _is_ident_start(self.ch()):
            raise JsepError("Unexpected " + self.ch(), self.index)
        self.index += 1
        while self.index < self.length and _is_ident_part(self.ch()):
            self.index += 1
        name = self.expr[start : self.index]
        if name in LITERALS:
            return Literal(LITERALS[name], name)
        if name == "this":
            return ThisExpression()
        return Identifier(name)

    def arguments(self, termination: str) -> list[Node | None]:
        args: list[Node | None] = []
        closed = False
        separators = 0
        while self.index < self.length:
            self.spaces()
            ch = self.ch()
            if ch == termination:
                closed = True
                self.index += 1
                if termination == ")" and separators and separators >= len(args):
                    raise JsepError("Unexpected token " + termination, self.index)
                break
            if ch == ",":
                self.index += 1
                separators += 1
                if separators != len(args):
                    if termination == ")":
                        raise JsepError("Unexpected token ,", self.index)
                    while len(args) < separators:
                        args.append(None)
            else:
                node = self.expression()
                if node is None or isinstance(node, Compound):
                    raise JsepError("Expected comma", self.index)
                args.append(node)
        if not closed:
            raise JsepError("Expected " + termination, self.index)
        return args

    def variable(self) -> Node | None:
        node: Node | None = self.group() if self.ch() == "(" else self.identifier()
        self.spaces()
        ch = self.ch()
        while ch in (".", "[", "(") and ch != "":
            self.index += 1
            if ch == ".":
                self.spaces()
                node = Member(False, node, self.identifier())
            elif ch == "[":
                node = Member(True, node, self.expression())
                self.spaces()
                if self.ch() != "]":
                    raise JsepError("Unclosed [", self.index)
                self.index += 1
            else:
                call_args = self.arguments(")")
                node = Call(node, [a for a in call_args if a is not None])
            self.spaces()
            ch = self.ch()
        return node

    def group(self) -> Node | None:
        self.index += 1
        node = self.expression()
        self.spaces()
        if self.ch() != ")":
            raise JsepError("Unclosed (", self.index)
        self.index += 1
        return node

    def array(self) -> ArrayExpr:
        self.index += 1
        return ArrayExpr(self.arguments("]"))

    def program(self) -> Node:
        nodes: list[Node] = []
        while self.index < self.length:
            ch = self.ch()
            if ch in (";", ","):
                self.index += 1
                continue
            node = self.expression()
            if node is not None:
                nodes.append(node)
            elif self.index < self.length:
                raise JsepError(f'Unexpected "{self.ch()}"', self.index)
        return nodes[0] if len(nodes) == 1 else Compound(nodes)


def _parse_float(text: str) -> float:
    """JavaScript ``parseFloat`` of a jsep number token (``"."`` gives NaN)."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def parse(expr: str) -> Node:
    """Parse ``expr`` as jsep 0.3.5 would; raises :class:`JsepError`."""
    return _Parser(expr).program()


def accepts(expr: str) -> bool:
    """Whether jsep parses ``expr`` without an error (used to find the end of ``@{...}``)."""
    try:
        parse(expr)
    except JsepError:
        return False
    return True
