"""YAML loading that keeps a source position for every key and value.

ruamel.yaml composes the document into a node tree (every node carries its start mark); this
module turns that tree into plain Python data (dict / list / str / int / float / bool / None) and a
`PositionMap` from data path to position. Walking the nodes ourselves (instead of letting a
constructor build the data) is what lets us report *every* duplicate key with its position,
recognise the `!secret` tag, and never surface a YAML traceback.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from impops.errors import ManifestProblem, SourcePosition

PathKey = tuple[str | int, ...]
SECRET_TAG = "!secret"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


def dotted(path: PathKey) -> str:
    """`("device_groups", "dev", "webhooks", 0, "url")` -> `device_groups.dev.webhooks[0].url`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class PositionMap:
    """Positions of the keys and values of one YAML file, by data path."""

    file: str
    keys: dict[PathKey, SourcePosition] = field(default_factory=dict)
    values: dict[PathKey, SourcePosition] = field(default_factory=dict)

    def value(self, path: PathKey) -> SourcePosition:
        """Where the value at `path` starts (or the nearest enclosing value we know)."""
        for prefix in _prefixes(path):
            if prefix in self.values:
                return self.values[prefix]
        return SourcePosition(self.file, 1, 1)

    def key(self, path: PathKey) -> SourcePosition:
        """Where the key of `path` sits (list items: the item; else falls back to the value)."""
        if path in self.keys:
            return self.keys[path]
        return self.value(path)


def _prefixes(path: PathKey) -> Iterator[PathKey]:
    for end in range(len(path), -1, -1):
        yield path[:end]


@dataclass
class LoadedYaml:
    """The plain data of one file, its positions, and the paths tagged `!secret`."""

    data: Any
    positions: PositionMap
    secret_paths: set[PathKey] = field(default_factory=set)


def _pos(file: str, node: Node) -> SourcePosition:
    return SourcePosition(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node tree into plain data, recording positions and problems."""

    def __init__(self, file: str, yaml: YAML) -> None:
        self.file = file
        self.yaml = yaml
        self.positions = PositionMap(file)
        self.secrets: set[PathKey] = set()
        self.problems: list[ManifestProblem] = []
        self._active: set[int] = set()

    def problem(self, node: Node, path: PathKey, message: str) -> None:
        self.problems.append(ManifestProblem(_pos(self.file, node), dotted(path), message))

    def build(self, node: Node, path: PathKey) -> Any:
        self.positions.values[path] = _pos(self.file, node)
        if id(node) in self._active:  # a recursive alias: `a: &x [*x]`
            self.problem(node, path, "recursive alias")
            return None
        if not isinstance(node, ScalarNode) and node.tag and node.tag.startswith("!"):
            if node.tag == SECRET_TAG:
                self.problem(node, path, "`!secret` applies to a single value, not a list or map")
            else:
                self.problem(node, path, f"unknown tag `{node.tag}` (only `!secret` is supported)")
        if isinstance(node, MappingNode):
            self._active.add(id(node))
            try:
                return self._mapping(node, path)
            finally:
                self._active.discard(id(node))
        if isinstance(node, SequenceNode):
            self._active.add(id(node))
            try:
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            finally:
                self._active.discard(id(node))
        return self._scalar(node, path)

    def _scalar(self, node: Node, path: PathKey) -> Any:
        if node.tag == SECRET_TAG:
            self.secrets.add(path)
            return str(node.value)
        if node.tag and node.tag.startswith("!"):
            self.problem(node, path, f"unknown tag `{node.tag}` (only `!secret` is supported)")
            return str(node.value)
        try:
            return self.yaml.constructor.construct_object(node, deep=True)
        except YAMLError as exc:
            self.problem(node, path, f"cannot read value: {getattr(exc, 'problem', exc)}")
            return None

    def _mapping(self, node: MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # `<<` merge keys first, so that explicit keys (built after) win, positions included.
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                continue
            sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for source in sources:
                if not isinstance(source, MappingNode):
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
            key = str(key_node.value)
            child = (*path, key)
            if key in explicit:
                first = self.positions.keys[child]
                self.problem(key_node, child, f"duplicate key (first defined at line {first.line})")
                continue
            explicit.add(key)
            self.positions.keys[child] = _pos(self.file, key_node)
            result[key] = self.build(value_node, child)
        return result


def parse_yaml(text: str, file: str) -> tuple[LoadedYaml | None, list[ManifestProblem]]:
    """Parse one YAML document. Returns the data (None when unreadable) and every problem."""
    yaml = YAML(typ="safe", pure=True)
    try:
        node = yaml.compose(io.StringIO(text))
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        position = SourcePosition(file, line, column)
        return None, [ManifestProblem(position, "", f"YAML syntax error: {message}")]
    except YAMLError as exc:
        position = SourcePosition(file, 1, 1)
        return None, [ManifestProblem(position, "", f"YAML syntax error: {exc}")]
    if node is None:
        return None, [ManifestProblem(SourcePosition(file, 1, 1), "", "file is empty")]
    builder = _Builder(file, yaml)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        builder.problem(node, (), "the file must contain a map of keys (e.g. `product: name`)")
        return None, builder.problems
    return LoadedYaml(data, builder.positions, builder.secrets), builder.problems


def read_yaml(path: Path, file: str) -> tuple[LoadedYaml | None, list[ManifestProblem]]:
    """Read and parse `path` (shown as `file` in problems); unreadable files are problems."""
    start = SourcePosition(file, 1, 1)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [ManifestProblem(start, "", "file not found")]
    except OSError as exc:
        return None, [ManifestProblem(start, "", f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [ManifestProblem(_offset_position(raw, exc.start, file), "", "not UTF-8")]
    return parse_yaml(text.removeprefix("\ufeff"), file)


def _offset_position(raw: bytes, offset: int, file: str) -> SourcePosition:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    column = offset - (before.rfind(b"\n") + 1) + 1
    return SourcePosition(file, line, column)
