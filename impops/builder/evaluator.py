"""Expression evaluation with Builder's semantics on top of the JavaScript value model.

Notable rules copied from Builder 4.2.1: ``&&``/``||`` evaluate both sides, the ternary is
lazy, ``/`` and ``%`` by the number zero fail, unary ``+`` returns its operand unchanged, an
identifier that names a function evaluates to its *name*, ``defined(x)`` looks only at the
context and ``@set`` globals, and ``v | f(a)`` means ``f(v, a)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from impops.builder import jsep
from impops.builder.jsvalue import (
    UNDEFINED,
    JsFunction,
    JsTypeError,
    JsValue,
    add,
    divide,
    less_than,
    loose_equals,
    modulo,
    to_number,
    to_property_key,
    to_string,
    truthy,
)
from impops.builder.problems import BuilderFailure, ExpressionFailure

Context = dict[str, Any]


@lru_cache(maxsize=4096)
def parse_expression(text: str) -> jsep.Node:
    """Parse (and cache) an expression; the AST is never mutated by evaluation."""
    return jsep.parse(text)


class Evaluator:
    """Evaluates expressions against a context, the ``@set`` globals and an environment."""

    def __init__(self, globals_: dict[str, JsValue], environment: Mapping[str, str]) -> None:
        self.globals = globals_
        self.environment = environment

    def evaluate(self, text: str, context: Context) -> JsValue:
        """Parse and evaluate ``text``; every failure becomes :class:`ExpressionFailure`."""
        try:
            node = parse_expression(text)
        except jsep.JsepError as exc:
            raise ExpressionFailure(str(exc), exc.index) from None
        return self.run(node, context)

    def run(self, node: jsep.Node | None, context: Context) -> JsValue:
        try:
            return self._eval(node, context)
        except JsTypeError as exc:
            raise ExpressionFailure(str(exc)) from None
        except RecursionError:
            raise ExpressionFailure("Maximum call stack size exceeded") from None

    def _eval(self, node: jsep.Node | None, ctx: Context) -> JsValue:
        if node is None:
            raise ExpressionFailure('Unknown node type: "undefined"')
        if isinstance(node, jsep.Literal):
            value = node.value
            return float(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(node, jsep.Identifier):
            return self._identifier(node.name, ctx)
        if isinstance(node, jsep.Binary):
            return self._binary(node, ctx)
        if isinstance(node, jsep.Unary):
            argument = self._eval(node.argument, ctx)
            if node.operator == "!":
                return not truthy(argument)
            if node.operator == "-":
                return -to_number(argument)
            return argument  # Builder's unary + returns the operand as it is
        if isinstance(node, jsep.Conditional):
            branch = node.consequent if truthy(self._eval(node.test, ctx)) else node.alternate
            return self._eval(branch, ctx)
        if isinstance(node, jsep.Member):
            return self._member(node, ctx)
        if isinstance(node, jsep.ArrayExpr):
            return [self._element(e, ctx) for e in node.elements]
        if isinstance(node, jsep.Call):
            return self._call(node, ctx)
        if isinstance(node, jsep.Compound):
            raise ExpressionFailure("Syntax error")
        raise ExpressionFailure("`this` keyword is not supported")

    def _element(self, node: jsep.Node | None, ctx: Context) -> JsValue:
        if node is None:  # an array hole: jsep stores null, which Builder cannot evaluate
            raise ExpressionFailure("Cannot read properties of null (reading 'type')")
        return self._eval(node, ctx)

    def _identifier(self, name: str, ctx: Context) -> JsValue:
        if name == "defined" or isinstance(ctx.get(name), JsFunction):
            return name
        if name in ctx:
            return ctx[name]
        if isinstance(self.globals.get(name), JsFunction):
            return name
        if name in self.globals:
            return self.globals[name]
        if name in self.environment:
            return self.environment[name]
        return None

    def _binary(self, node: jsep.Binary, ctx: Context) -> JsValue:
        op = node.operator
        if node.left is None or node.right is None:
            raise ExpressionFailure(f'Syntax error in "{op}" operator')
        if op == "|":  # filter: value | f  ->  f(value);  value | f(a)  ->  f(value, a)
            if isinstance(node.right, jsep.Call):
                call = jsep.Call(node.right.callee, [node.left, *node.right.arguments])
            else:
                call = jsep.Call(node.right, [node.left])
            return self._call(call, ctx)
        left = self._eval(node.left, ctx)
        right = self._eval(node.right, ctx)
        if op == "+":
            return add(left, right)
        if op == "-":
            return to_number(left) - to_number(right)
        if op == "*":
            return to_number(left) * to_number(right)
        if op in ("/", "%"):
            if isinstance(right, float) and right == 0:
                raise ExpressionFailure("Division by zero")
            lnum, rnum = to_number(left), to_number(right)
            return divide(lnum, rnum) if op == "/" else modulo(lnum, rnum)
        if op == "||":
            return left if truthy(left) else right
        if op == "&&":
            return right if truthy(left) else left
        if op == "==":
            return loose_equals(left, right)
        if op == "!=":
            return not loose_equals(left, right)
        if op == "<":
            return less_than(left, right) is True
        if op == ">":
            return less_than(right, left) is True
        if op == "<=":
            return less_than(right, left) is False
        return less_than(left, right) is False  # >=

    def _member(self, node: jsep.Member, ctx: Context) -> JsValue:
        owner = self._eval(node.object, ctx)
        if node.computed:
            prop = self._eval(node.property, ctx)
        elif isinstance(node.property, jsep.Identifier):
            prop = node.property.name
        else:
            prop = UNDEFINED
        key = to_property_key(prop)
        if not truthy(owner):
            raise ExpressionFailure(f'Owner of "{key}" property is undefined')
        if isinstance(owner, str | float | bool):
            raise JsTypeError(
                f"Cannot use 'in' operator to search for '{key}' in {to_string(owner)}"
            )
        if isinstance(owner, list):
            if key == "length":
                return float(len(owner))
            if key.isdigit() and str(int(key)) == key and int(key) < len(owner):
                return owner[int(key)]
        elif isinstance(owner, dict) and key in owner:
            return owner[key]
        raise ExpressionFailure(f'Property "{key}" is not defined')

    def _call(self, node: jsep.Call, ctx: Context) -> JsValue:
        callee = self._eval(node.callee, ctx)
        if callee == "defined" and isinstance(callee, str):
            if not node.arguments:
                raise JsTypeError("Cannot read properties of undefined (reading 'type')")
            target = node.arguments[0]
            if not isinstance(target, jsep.Identifier):
                raise ExpressionFailure(
                    "defined() can only be called with an identifier as an argument"
                )
            return target.name in ctx or target.name in self.globals
        args = [self._eval(a, ctx) for a in node.arguments]
        function: JsFunction | None = None
        if isinstance(callee, str) and isinstance(ctx.get(callee), JsFunction):
            function = ctx[callee]
        elif isinstance(callee, JsFunction):
            function = callee
        elif isinstance(callee, str) and isinstance(self.globals.get(callee), JsFunction):
            function = self.globals[callee]
        if function is None:
            if isinstance(node.callee, jsep.Identifier):
                raise ExpressionFailure(f'Function "{node.callee.name}" is not defined')
            if isinstance(callee, str):
                raise ExpressionFailure(f'Function "{callee}" is not defined')
            raise ExpressionFailure("Can't call a non-callable expression")
        this = {**ctx, "globals": self.globals}
        try:
            return function.call(this, args)
        except BuilderFailure as failure:
            # A macro or include() failed inside: Builder re-wraps the located message, so
            # the caller's location is appended a second time.
            raise ExpressionFailure(failure.text, inner=failure) from None
