"""The interpreter: runs parsed instructions, expanding includes, macros and loops into text.

It follows Builder 4.2.1's ``Machine``: a per-instruction ``__LINE__``, a single global
``@set`` table, ``once`` by path string or content digest, a duplicate-content warning, a
nesting limit of 256, and ``#line`` markers whenever the *basename* of the current file changes.
Unlike Builder, loops stop with an error after ``max_loop_iterations`` instead of hanging.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from impops.builder import jsep, syntax
from impops.builder.evaluator import Context, Evaluator, parse_expression
from impops.builder.functions import builtin_globals
from impops.builder.jsvalue import JsFunction, JsValue, js_trim, to_string, truthy
from impops.builder.problems import (
    BuilderFailure,
    BuildProblem,
    ExpressionFailure,
    SourceFailure,
    SyntaxFailure,
)
from impops.builder.sources import LoadedSource, LocalFiles, SourceRef, js_join

MAX_EXECUTION_DEPTH = 256
SOURCE_KEY = "#source"  # internal context key: the source name (never a valid identifier)
_GITHUB = re.compile(r"^(github:|github\.com:|github\.com/)", re.I)


class RemoteReader(Protocol):
    """What the interpreter needs from a GitHub resolver."""

    def supports(self, include_path: str) -> bool: ...

    def read(self, include_path: str) -> LoadedSource: ...


@dataclass
class _Macro:
    file: str
    path: str
    line: int
    source: str
    args: list[str]
    body: list[syntax.Instruction]


@dataclass
class Buffer:
    """Output chunks with the (source, line) each came from."""

    chunks: list[str] = field(default_factory=list)
    origins: list[tuple[str, int]] = field(default_factory=list)
    last_output_file: object = None

    def push(self, text: str, origin: tuple[str, int]) -> None:
        self.chunks.append(text)
        self.origins.append(origin)

    def trim_last_line(self) -> None:
        if self.chunks:
            self.chunks[-1] = re.sub(r"(\r\n|\n)$", "", self.chunks[-1])

    def text(self) -> str:
        return "".join(self.chunks)

    def line_map(self) -> list[tuple[str, int]]:
        """One (source, line) per output line: the origin of the chunk the line starts in."""
        result: list[tuple[str, int]] = []
        at_start = True
        for chunk, origin in zip(self.chunks, self.origins, strict=True):
            pos = 0
            while pos < len(chunk):
                if at_start:
                    result.append(origin)
                    at_start = False
                newline = chunk.find("\n", pos)
                if newline < 0:
                    break
                at_start = True
                pos = newline + 1
        return result


class Machine:
    """One build: state shared by every file it includes."""

    def __init__(
        self,
        files: LocalFiles,
        *,
        remote: RemoteReader | None = None,
        environment: Mapping[str, str] | None = None,
        line_control: bool = False,
        suppress_duplicate_warning: bool = False,
        max_loop_iterations: int = 10_000,
    ) -> None:
        self.files = files
        self.remote = remote
        self.line_control = line_control
        self.suppress_duplicate_warning = suppress_duplicate_warning
        self.max_loop_iterations = max_loop_iterations
        self.globals: dict[str, JsValue] = {}
        self.evaluator = Evaluator(self.globals, dict(environment or {}))
        self.macros: dict[str, _Macro] = {}
        self.depth = 0
        self.included_paths: set[str] = set()
        self.included_hashes: dict[str, tuple[str, str, object]] = {}
        self.warnings: list[BuildProblem] = []
        self.sources: dict[str, SourceRef] = {}

    # -- entry point -----------------------------------------------------------------------

    def run(self, program: str, context: Context, source: str) -> Buffer:
        """Execute ``program`` (e.g. ``@include "main.nut"``) as the top-level file ``main``."""
        base: Context = {"__FILE__": "main", "__PATH__": str(self.files.root)}
        base["include"] = JsFunction("include", self._include_function)
        base.update(builtin_globals())
        base.update(context)
        base[SOURCE_KEY] = source
        buffer = Buffer()
        try:
            ast = syntax.parse(program, "main")
        except SyntaxFailure as failure:
            failure.source = failure.source or source
            raise
        self.execute(ast, base, buffer)
        return buffer

    # -- execution -------------------------------------------------------------------------

    def execute(self, ast: list[syntax.Instruction], context: Context, buffer: Buffer) -> None:
        if self.depth == MAX_EXECUTION_DEPTH:
            message = "Maximum execution depth reached, possible cyclic reference?"
            raise self._located(message, context, 0)
        self.depth += 1
        for instruction in ast:
            context = {**context, "__LINE__": float(instruction.line)}
            try:
                self._instruction(instruction, context, buffer)
            except ExpressionFailure as exc:
                column = instruction.column
                inner = exc.inner
                if inner is not None:
                    failure = self._located(exc.message, context, column)
                    failure.source, failure.line, failure.column = (
                        inner.source,
                        inner.line,
                        inner.column,
                    )
                    failure.message = inner.message
                    raise failure from None
                raise self._located(exc.message, context, column) from None
            except SourceFailure as exc:
                raise self._located(str(exc), context, instruction.column) from None
        self.depth -= 1

    def _located(self, message: str, context: Context, column: int) -> BuilderFailure:
        """A runtime failure: pleasebuild appends ``(<path>/<file>:<line>)``."""
        where = js_join(to_string(context.get("__PATH__")), to_string(context.get("__FILE__")))
        line = context.get("__LINE__")
        line_text = to_string(line) if line is not None else "undefined"
        text = f"{message} ({where}:{line_text})"
        line_no = int(line) if isinstance(line, float) else 0
        return BuilderFailure(message, text, line_no, column, str(context.get(SOURCE_KEY, "")))

    def _instruction(self, node: syntax.Instruction, ctx: Context, buffer: Buffer) -> None:
        if isinstance(node, syntax.Output):
            value = node.text if not node.computed else to_string(self._eval(node.text, ctx))
            self._out(value, ctx, buffer)
        elif isinstance(node, syntax.Include):
            self._include(node, ctx, buffer)
        elif isinstance(node, syntax.SetVar):
            self.globals[node.name] = self._eval(node.value, ctx)
        elif isinstance(node, syntax.Conditional):
            self._conditional(node, ctx, buffer)
        elif isinstance(node, syntax.Message):
            self._message(node, ctx)
        elif isinstance(node, syntax.Macro):
            self._declare_macro(node, ctx)
        else:
            self._loop(node, ctx, buffer)

    def _eval(self, text: str, ctx: Context) -> JsValue:
        return self.evaluator.evaluate(text, ctx)

    def _message(self, node: syntax.Message, ctx: Context) -> None:
        value = to_string(self._eval(node.value, ctx))
        source = str(ctx.get(SOURCE_KEY, ""))
        if node.kind == "error":
            raise BuilderFailure(value, value, node.line, node.column, source)
        self.warnings.append(BuildProblem(source, node.line, node.column, value, value))

    def _conditional(self, node: syntax.Conditional, ctx: Context, buffer: Buffer) -> bool:
        test = truthy(self._eval(node.test, ctx))
        if test:
            self.execute(node.consequent, ctx, buffer)
            return True
        for elseif in node.elseifs:
            if self._conditional(elseif, ctx, buffer):
                return True
        if node.alternate is not None:
            self.execute(node.alternate, ctx, buffer)
        return False

    def _loop(self, node: syntax.Loop, ctx: Context, buffer: Buffer) -> None:
        index = 0
        while True:
            test = self._eval(node.expression, ctx)
            if node.kind == "while" and not truthy(test):
                break
            if node.kind == "repeat" and isinstance(test, float) and test == index:
                break
            if index >= self.max_loop_iterations:
                raise self._located(self._runaway(node, test), ctx, node.column)
            loop = {"index": float(index), "iteration": float(index + 1)}
            self.execute(node.body, {**ctx, "loop": loop}, buffer)
            index += 1

    def _runaway(self, node: syntax.Loop, test: JsValue) -> str:
        limit = self.max_loop_iterations
        if node.kind == "repeat" and not isinstance(test, float):
            return (
                f"@repeat count {to_string(test)!r} is not a number: Builder compares it with "
                f"the index strictly and would never stop (stopped after {limit} iterations)"
            )
        return f"@{node.kind} loop did not finish after {limit} iterations"

    # -- macros ----------------------------------------------------------------------------

    def _declare_macro(self, node: syntax.Macro, ctx: Context) -> None:
        try:
            root = parse_expression(node.declaration)
        except jsep.JsepError as exc:
            raise ExpressionFailure(str(exc), exc.index) from None
        if not (
            isinstance(root, jsep.Call)
            and isinstance(root.callee, jsep.Identifier)
            and all(isinstance(a, jsep.Identifier) for a in root.arguments)
        ):
            raise ExpressionFailure("Syntax error in macro declaration")
        name = root.callee.name
        args = [a.name for a in root.arguments if isinstance(a, jsep.Identifier)]
        if name in self.macros:
            old = self.macros[name]
            message = f'Macro "{name}" is already declared in {old.file}:{old.line}'
            raise self._located(message, ctx, node.column)
        self.macros[name] = _Macro(
            to_string(ctx["__FILE__"]),
            to_string(ctx["__PATH__"]),
            node.line,
            str(ctx.get(SOURCE_KEY, "")),
            args,
            node.body,
        )

        def call(this: dict[str, Any], call_args: list[JsValue]) -> JsValue:
            inline = Buffer()
            self._expand_macro(name, call_args, {**this, "__INLINE__": True}, inline)
            inline.trim_last_line()
            return inline.text()

        self.globals[name] = JsFunction(name, call)

    def _expand_macro(self, name: str, args: list[JsValue], ctx: Context, buffer: Buffer) -> None:
        macro = self.macros[name]
        bound = dict(zip(macro.args, args, strict=False))
        local = {**ctx, **bound, "__FILE__": macro.file, "__PATH__": macro.path}
        local[SOURCE_KEY] = macro.source
        self.execute(macro.body, local, buffer)

    # -- includes --------------------------------------------------------------------------

    def _include(self, node: syntax.Include, ctx: Context, buffer: Buffer) -> None:
        try:
            root: jsep.Node | None = parse_expression(node.value)
        except jsep.JsepError:
            root = None
        if (
            isinstance(root, jsep.Call)
            and isinstance(root.callee, jsep.Identifier)
            and root.callee.name in self.macros
        ):
            args = [self.evaluator.run(a, ctx) for a in root.arguments]
            self._expand_macro(root.callee.name, args, ctx, buffer)
            return
        value = self._eval(node.value.replace("\\", "/"), ctx)
        if not isinstance(value, str):
            raise ExpressionFailure(f"@include needs a path, not {to_string(value)!r}")
        self._include_source(js_trim(value), ctx, buffer, node.once)

    def _include_function(self, this: dict[str, Any], args: list[JsValue]) -> JsValue:
        if not args:
            raise ExpressionFailure("Wrong number of arguments for include()")
        if not isinstance(args[0], str):
            raise ExpressionFailure("source.replace is not a function")
        inline = Buffer()
        ctx = {**this, "__INLINE__": True}
        self._include_source(args[0].replace("\\", "/"), ctx, inline, False)
        inline.trim_last_line()
        return inline.text()

    def _include_source(self, path: str, ctx: Context, buffer: Buffer, once: bool) -> None:
        if once and path in self.included_paths:
            return
        loaded = self._read(path, ctx)
        digest = hashlib.md5(loaded.content.encode("utf-8", "surrogatepass")).hexdigest()
        if once and digest in self.included_hashes:
            self.included_paths.add(path)
            return
        if not self.suppress_duplicate_warning and digest in self.included_hashes:
            self._warn_duplicate(self.included_hashes[digest], path, ctx)
        self.included_hashes[digest] = (path, to_string(ctx["__FILE__"]), ctx["__LINE__"])
        self.sources.setdefault(loaded.ref.name, loaded.ref)
        file = to_string(loaded.variables["__FILE__"])
        try:
            ast = syntax.parse(loaded.content, file)
        except SyntaxFailure as failure:
            failure.source = loaded.ref.name
            raise
        local = {**ctx, **loaded.variables, SOURCE_KEY: loaded.ref.name}
        self.included_paths.add(path)
        self.execute(ast, local, buffer)

    def _read(self, path: str, ctx: Context) -> LoadedSource:
        if _GITHUB.match(path):
            if self.remote is None or not self.remote.supports(path):
                raise SourceFailure(f'GitHub include "{path}" needs a GitHub resolver')
            return self.remote.read(path)
        if LocalFiles.unsupported(path):
            raise SourceFailure(f'Source "{path}" is not supported by impops (only github:)')
        return self.files.read(path, to_string(ctx.get("__PATH__")))

    def _warn_duplicate(self, first: tuple[str, str, object], path: str, ctx: Context) -> None:
        first_path, first_file, first_line = first
        text = (
            "Warning: duplicated includes detected! The same exact file content is included "
            f"from\n    {first_file}:{to_string(first_line)} ({first_path})\n"
            f"    {to_string(ctx['__FILE__'])}:{to_string(ctx['__LINE__'])} ({path})"
        )
        source = str(ctx.get(SOURCE_KEY, ""))
        line = ctx["__LINE__"]
        self.warnings.append(
            BuildProblem(source, int(line) if isinstance(line, float) else 0, 0, text, text)
        )

    # -- output ----------------------------------------------------------------------------

    def _out(self, text: str, ctx: Context, buffer: Buffer) -> None:
        line = ctx.get("__LINE__")
        origin = (str(ctx.get(SOURCE_KEY, "")), int(line) if isinstance(line, float) else 0)
        if self.line_control and not truthy(ctx.get("__INLINE__")):
            file = ctx.get("__FILE__")
            if buffer.last_output_file != file:
                path, name = to_string(ctx.get("__PATH__")), to_string(file)
                protocol = re.match(r"^[a-z][a-z0-9+.-]*:", path, re.I)
                where = f"{path}/{name}" if protocol else js_join(path, name)
                where = where.replace('"', '\\"')
                buffer.push(f'#line {to_string(line)} "{where}"\n', origin)
                buffer.last_output_file = file
        buffer.push(text, origin)
