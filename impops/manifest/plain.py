"""Plain YAML documents straight from libyaml's events: data and positions in one pass.

Composing a node tree (ruamel's `Composer`, in Python) and then walking it (`manifest/yaml.py`)
is most of a product file's load time. A *plain* document, which is what manifests nearly
always are, needs neither: its data and positions follow from the parser's events in order.
Plain means one document whose root is a map, keys that are untagged scalars, no aliases, no
`<<` merges, no duplicate keys, no tag but `!secret` on a value, and scalars that construct
without complaint. Everything else (and anything libyaml rejects or a `%` directive) makes
`read_plain` return None, and the node path loads the file exactly as before, problems and
all. On a plain document both paths give the same data, positions (in the same order),
secret paths and limit errors; `tests/manifest/test_plain.py` compares them.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import (
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.tag import Tag

from impops import redact
from impops.errors import ManifestProblem
from impops.manifest import limits
from impops.manifest.composer import LimitError, Yaml12Resolver, c_events, c_may_parse, new_yaml
from impops.manifest.positions import LineColumn, LoadedYaml, PathKey, PositionMap

SECRET_TAG = "!secret"
_CORE = "tag:yaml.org,2002:"
_STR = _CORE + "str"
_MERGE = _CORE + "merge"
_INT = _CORE + "int"
# Implicit tags whose values the constructor builds (the rest send the file to the node path).
_CONSTRUCTED = frozenset(_CORE + name for name in ("int", "float", "bool", "null", "timestamp"))
# ruamel's implicit-tag rules for YAML 1.2 by first character (those the node path resolves by).
_IMPLICIT: dict[Any, list[tuple[str, Any]]] = Yaml12Resolver().versioned_resolver
_ANY_FIRST = _IMPLICIT.get(None, [])  # the rules for any first character (none, in ruamel)
_RULES = {first: rules + _ANY_FIRST for first, rules in _IMPLICIT.items() if first is not None}
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")  # ints the constructor builds with int()
# Keys that may resolve to the merge key `<<`: those with one of these first characters.
_MERGE_FIRST = frozenset(
    first for first, rules in _IMPLICIT.items() if any(str(tag) == _MERGE for tag, _ in rules)
)
_MERGE_ANY = None in _MERGE_FIRST  # a rule for every first character can make a merge key


class _NotPlain(Exception):
    """The document uses something only the node path handles."""


def implicit_tag(value: str) -> str:
    """The tag ruamel's YAML 1.2 resolver gives the plain scalar `value` (`VersionedResolver.
    resolve`, without its per-call version lookup and list building)."""
    for tag, regexp in _RULES.get(value[:1], _ANY_FIRST):
        if regexp.match(value):
            return str(tag)
    return _STR


def read_plain(text: str, file: str) -> tuple[LoadedYaml, list[ManifestProblem]] | None:
    """The data of `text` if it is a plain document (see above), else None. Raises
    `LimitError` exactly where the node path's `LimitedComposer` would."""
    if not c_may_parse(text):
        return None
    try:
        return _Reader(text, file).read()
    except (_NotPlain, YAMLError):
        return None


class _Reader:
    """One pass over one document's events."""

    def __init__(self, text: str, file: str) -> None:
        self.next_event = c_events(text).get_event
        self.file = file
        self.positions = PositionMap(file)
        self.values = self.positions.values
        self.keys = self.positions.keys
        self.secrets: set[PathKey] = set()
        self._secret_texts: list[str] = []  # registered once the document is read
        self.depth = 0
        self._built: dict[tuple[str, str], Any] = {}  # (tag, text) -> constructed value
        self._constructor: Any = None

    def read(self) -> tuple[LoadedYaml, list[ManifestProblem]]:
        self.next_event()  # stream start
        if isinstance(self.next_event(), StreamEndEvent):  # no document: "file is empty"
            raise _NotPlain
        root = self.next_event()
        if type(root) is not MappingStartEvent:
            raise _NotPlain
        data = self._node(root, ())
        self.next_event()  # document end
        if not isinstance(self.next_event(), StreamEndEvent):  # a second document
            raise _NotPlain
        for text in self._secret_texts:  # as the node path: not for a file it cannot read
            redact.register(text)
        return LoadedYaml(data, self.positions, self.secrets, set()), []

    @staticmethod
    def _at(event: Any) -> LineColumn:
        mark = event.start_mark
        return (mark.line + 1, mark.column + 1)

    def _node(self, event: Any, path: PathKey) -> Any:
        kind = type(event)
        if kind is ScalarEvent:
            return self._scalar(event, path)
        if kind is not MappingStartEvent and kind is not SequenceStartEvent:
            raise _NotPlain  # an alias
        if event.ctag is not None:
            raise _NotPlain
        self.depth += 1
        if self.depth > limits.MAX_DEPTH:
            message = f"nested deeper than {limits.MAX_DEPTH} levels"
            raise LimitError(event.start_mark, path, message)
        self.values[path] = self._at(event)
        result = self._mapping(path) if kind is MappingStartEvent else self._sequence(path)
        self.depth -= 1
        return result

    def _mapping(self, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while True:
            event = self.next_event()
            if type(event) is not ScalarEvent:
                if type(event) is MappingEndEvent:
                    return result
                raise _NotPlain  # a list, map or alias as a key
            key = self._checked(event, path)
            if event.ctag is not None or key in result:
                raise _NotPlain  # a tagged key, a duplicate key
            if event.implicit[0] and self._may_merge(key) and implicit_tag(key) == _MERGE:
                raise _NotPlain
            child = (*path, key)
            self.keys[child] = self._at(event)
            event = self.next_event()
            if type(event) is ScalarEvent:  # most values: skip `_node`
                result[key] = self._scalar(event, child)
            else:
                result[key] = self._node(event, child)

    @staticmethod
    def _may_merge(key: str) -> bool:
        """Whether the plain key `key` may be `<<` (a cheap test before the resolver's)."""
        return _MERGE_ANY or key[:1] in _MERGE_FIRST

    def _sequence(self, path: PathKey) -> list[Any]:
        result: list[Any] = []
        while True:
            event = self.next_event()
            if type(event) is SequenceEndEvent:
                return result
            result.append(self._node(event, (*path, len(result))))

    def _checked(self, event: Any, path: PathKey) -> str:
        """The scalar's text, after the limit and the test for unpaired surrogates."""
        text: str = event.value
        if len(text) > limits.MAX_SCALAR_CHARS:
            message = f"value longer than {limits.MAX_SCALAR_CHARS:,} characters"
            raise LimitError(event.start_mark, path, message)
        if event.style == '"' and any("\ud800" <= char <= "\udfff" for char in text):
            raise _NotPlain
        return text

    def _scalar(self, event: Any, path: PathKey) -> Any:
        text = self._checked(event, path)
        self.values[path] = self._at(event)
        if event.ctag is not None:
            if event.ctag != SECRET_TAG:
                raise _NotPlain
            self.secrets.add(path)
            self._secret_texts.append(text)
            return text
        if not event.implicit[0]:
            return text  # quoted: a string
        tag = implicit_tag(text)
        if tag == _STR:
            return text
        if tag not in _CONSTRUCTED:
            raise _NotPlain  # `<<` or `=` as a value
        return self._construct(tag, text, event)

    def _construct(self, tag: str, text: str, event: Any) -> Any:
        """An int, float, bool, null or timestamp, built by ruamel's safe constructor."""
        if tag == _INT and _DECIMAL.fullmatch(text):
            try:
                return int(text)  # what `construct_yaml_int` returns for these
            except ValueError as exc:  # more digits than Python converts: the constructor fails
                raise _NotPlain from exc
        if (tag, text) in self._built:
            return self._built[(tag, text)]
        if self._constructor is None:  # the node path's constructor, made the same way
            self._constructor = new_yaml().constructor
        node = ScalarNode(Tag(suffix=tag), text, event.start_mark, event.end_mark, style="")
        try:
            value = self._constructor.construct_object(node, deep=True)
        except Exception as exc:  # noqa: BLE001 - the node path reports it, in its words
            raise _NotPlain from exc
        self._built[(tag, text)] = value
        return value
