"""YAML loading that keeps a source position for every key and value.

A plain document is read in one pass from libyaml's events (`manifest/plain.py`). Any other
takes the general path: ruamel.yaml composes the document into a node tree (every node carries
its start mark); this module turns that tree into plain Python data (dict / list / str / int /
float / bool / None) and a `PositionMap` from data path to position. Walking the nodes
ourselves (instead of letting a constructor build the data) is what lets us report *every*
duplicate key with its position, recognise the `!secret` tag, and never surface a YAML
traceback.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from impops import redact
from impops.errors import ManifestProblem, SourcePosition
from impops.manifest import limits
from impops.manifest.composer import LimitError, compose_with_c, new_yaml
from impops.manifest.plain import read_plain
from impops.manifest.positions import LineColumn, LoadedYaml, PathKey, PositionMap, dotted
from impops.manifest.syntax import explain

__all__ = [
    "LoadedYaml",
    "PathKey",
    "PositionMap",
    "dotted",
    "parse_with_nodes",
    "parse_yaml",
    "read_yaml",
]

SECRET_TAG = "!secret"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_CORE = "tag:yaml.org,2002:"
# Explicit tags that fit each node kind; anything else (`!!binary`, `!!set`, ...) is refused.
_SCALAR_TAGS = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp", "merge")
)
_MAP_TAG = _CORE + "map"
_SEQ_TAG = _CORE + "seq"


def _pos(file: str, node: Node) -> SourcePosition:
    return SourcePosition(file, *_line_column(node))


def _line_column(node: Node) -> LineColumn:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _shown_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag


class _Builder:
    """Turns a composed node tree into plain data, recording positions and problems."""

    def __init__(self, file: str, yaml: YAML) -> None:
        self.file = file
        self.yaml = yaml
        self.positions = PositionMap(file)
        self.secrets: set[PathKey] = set()
        self.broken: set[PathKey] = set()
        self.problems: list[ManifestProblem] = []
        self._active: set[int] = set()

    def problem(self, node: Node, path: PathKey, message: str) -> None:
        self.problems.append(ManifestProblem(_pos(self.file, node), dotted(path), message))

    def build(self, node: Node, path: PathKey) -> Any:
        self.positions.values[path] = _line_column(node)
        if id(node) in self._active:  # a recursive alias: `a: &x [*x]`
            self.problem(node, path, "recursive alias")
            return None
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        self._collection_tag(node, path)
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self._active.discard(id(node))

    def _collection_tag(self, node: Node, path: PathKey) -> None:
        tag = str(node.tag or "")
        if tag in (_MAP_TAG, _SEQ_TAG) and (tag == _MAP_TAG) == isinstance(node, MappingNode):
            return
        if tag == SECRET_TAG:
            self.problem(node, path, "`!secret` applies to a single value, not a list or map")
        elif tag.startswith("!"):
            self.problem(node, path, f"unknown tag `{tag}` (only `!secret` is supported)")
        else:
            kind = "map" if isinstance(node, MappingNode) else "list"
            self.problem(node, path, f"the tag `{_shown_tag(tag)}` does not fit a {kind}")

    def _scalar(self, node: ScalarNode, path: PathKey) -> Any:
        tag = str(node.tag or "")
        if tag == SECRET_TAG:
            self.secrets.add(path)
            redact.register(node.value)
            return str(node.value)
        if tag.startswith("!"):
            self.problem(node, path, f"unknown tag `{tag}` (only `!secret` is supported)")
            return str(node.value)
        if tag not in _SCALAR_TAGS:
            self.broken.add(path)
            self.problem(node, path, f"unsupported tag `{_shown_tag(tag)}`")
            return None
        if node.style == '"' and _has_surrogate(node.value):
            self.broken.add(path)
            self.problem(node, path, "a `\\u` escape makes an unpaired surrogate (not text)")
            return None
        try:
            return self.yaml.constructor.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - ruamel's constructors raise ValueError, KeyError...
            # e.g. `prune: !!int false` or `!!bool 3`: the tag names a type the text is not.
            return self._misfit(node, path, tag)

    def _misfit(self, node: ScalarNode, path: PathKey, tag: str) -> None:
        self.broken.add(path)
        self.problem(node, path, f"the tag `{_shown_tag(tag)}` does not fit this value")

    def _mapping(self, node: MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # `<<` merge keys first, so that explicit keys (built after) win, positions included.
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode) or id(source) in self._active:
                    self.problem(source, path, "`<<` merges need a map (or a list of maps)")
                    continue
                own = self.positions.values[path]
                merged = self.build(source, path)
                self.positions.values[path] = own
                for key, value in merged.items():
                    result.setdefault(key, value)
        explicit: set[str] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode):
                self.problem(key_node, path, "keys must be plain strings, not lists or maps")
                continue
            if key_node.tag == SECRET_TAG:
                redact.register(key_node.value)  # never shown: the key is left out
                self.problem(key_node, path, "`!secret` cannot mark a key, only a value")
                continue
            if key_node.style == '"' and _has_surrogate(key_node.value):
                self.problem(key_node, path, "a `\\u` escape makes an unpaired surrogate")
                continue
            key = str(key_node.value)
            child = (*path, key)
            if key in explicit:
                first, _ = self.positions.keys[child]
                self.problem(key_node, child, f"duplicate key (first defined at line {first})")
                continue
            explicit.add(key)
            self.positions.keys[child] = _line_column(key_node)
            result[key] = self.build(value_node, child)
        return result


def _short(path: PathKey, keep: int = 6) -> str:
    """A dotted path cut to its first `keep` parts (a 64-level path helps nobody)."""
    return dotted(path) if len(path) <= keep else f"{dotted(path[:keep])}..."


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def parse_yaml(text: str, file: str) -> tuple[LoadedYaml | None, list[ManifestProblem]]:
    """Parse one YAML document. Returns the data (None when unreadable) and every problem.

    A plain document (nearly every manifest) is read straight from libyaml's events
    (`manifest/plain.py`); any other goes through composed nodes, which report its problems."""
    if limits.NON_PRINTABLE.search(text):
        return None, _control_characters(text, file)
    try:
        plain = read_plain(text, file)
    except LimitError as exc:
        return None, [_limit_problem(exc, file)]
    return plain if plain is not None else parse_with_nodes(text, file)


def parse_with_nodes(text: str, file: str) -> tuple[LoadedYaml | None, list[ManifestProblem]]:
    """`parse_yaml` through a composed node tree: any document, every problem in it."""
    yaml = new_yaml()
    try:
        node = compose_with_c(text)
        if node is NotImplemented:
            node = yaml.compose(io.StringIO(text))
    except LimitError as exc:
        return None, [_limit_problem(exc, file)]
    except MarkedYAMLError as exc:
        mark, message = explain(exc)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        position = SourcePosition(file, line, column)
        return None, [ManifestProblem(position, "", f"YAML syntax error: {message}")]
    except YAMLError as exc:
        position = SourcePosition(file, 1, 1)
        message = " ".join(str(exc).split())
        return None, [ManifestProblem(position, "", f"YAML syntax error: {message}")]
    if node is None:
        return None, [ManifestProblem(SourcePosition(file, 1, 1), "", "file is empty")]
    builder = _Builder(file, yaml)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        builder.problem(node, (), "the file must contain a map of keys (e.g. `product: name`)")
        return None, builder.problems
    loaded = LoadedYaml(data, builder.positions, builder.secrets, builder.broken)
    return loaded, builder.problems


def _limit_problem(exc: LimitError, file: str) -> ManifestProblem:
    position = SourcePosition(file, exc.mark.line + 1, exc.mark.column + 1)
    return ManifestProblem(position, _short(exc.path), exc.message)


def _control_characters(text: str, file: str) -> list[ManifestProblem]:
    """One problem per character YAML forbids, at its real line and column, naming the key it
    sits in (found by parsing a copy with those characters blanked out)."""
    found = list(limits.NON_PRINTABLE.finditer(text))
    blanked = limits.NON_PRINTABLE.sub(" ", text)
    positions: PositionMap | None = None
    try:
        node = new_yaml().compose(io.StringIO(blanked))
        if node is not None:
            builder = _Builder(file, new_yaml())
            builder.build(node, ())
            positions = builder.positions
    except (YAMLError, LimitError):
        positions = None
    problems: list[ManifestProblem] = []
    for match in found[: limits.MAX_CONTROL_REPORTS]:
        position = _offset_position(text, match.start(), file)
        key = dotted(positions.path_at(position)) if positions is not None else ""
        message = (
            f"{limits.describe_char(match.group())} is not allowed in YAML (remove it, or "
            "write it as an escape such as `\\x01` inside double quotes)"
        )
        problems.append(ManifestProblem(position, key, message))
    if len(found) > limits.MAX_CONTROL_REPORTS:
        more = len(found) - limits.MAX_CONTROL_REPORTS
        problems[-1] = ManifestProblem(
            problems[-1].position,
            problems[-1].key,
            f"{problems[-1].message}; and {more} more such characters",
        )
    return problems


def read_yaml(path: Path, file: str) -> tuple[LoadedYaml | None, list[ManifestProblem]]:
    """Read and parse `path` (shown as `file` in problems); unreadable files are problems.

    The size limit is checked on the open file before its content is read, and at most one
    byte past the limit is ever read (a file can grow between stat and read)."""
    start = SourcePosition(file, 1, 1)
    too_big = f"file is larger than {limits.MAX_FILE_BYTES // (1024 * 1024)} MiB"
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size > limits.MAX_FILE_BYTES:
                return None, [ManifestProblem(start, "", too_big)]
            raw = handle.read(limits.MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, [ManifestProblem(start, "", "file not found")]
    except OSError as exc:
        return None, [ManifestProblem(start, "", f"cannot read file: {exc.strerror}")]
    if len(raw) > limits.MAX_FILE_BYTES:
        return None, [ManifestProblem(start, "", too_big)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [ManifestProblem(_byte_position(raw, exc.start, file), "", "not UTF-8")]
    return parse_yaml(text.removeprefix("\ufeff"), file)


def _offset_position(text: str, offset: int, file: str) -> SourcePosition:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return SourcePosition(file, line, column)


def _byte_position(raw: bytes, offset: int, file: str) -> SourcePosition:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return SourcePosition(file, line, column)
