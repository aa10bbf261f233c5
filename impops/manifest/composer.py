"""A ruamel.yaml composer that enforces the nesting, scalar and alias limits while composing.

Composing is where a hostile file is still cheap: an alias is one reference to an already
composed node, so a 300-byte "billion laughs" document composes instantly and only explodes
when the tree is walked. This composer keeps a running count of what the walk *will* visit
(each alias adds the expanded size of its anchor, measured once when the anchor was composed)
and stops at the first limit, raising `LimitError` with the position and data path of the
offending node. The count is O(1) per event, so normal files load at the same speed.
"""

from __future__ import annotations

import io
import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent, ScalarEvent
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from impops.manifest import limits


class LimitError(Exception):
    """A limit was exceeded at `mark` (a ruamel mark), inside the data at `path`."""

    def __init__(self, mark: Any, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.path = path
        self.message = message


class LimitedComposer(Composer):
    """`Composer` plus the depth, scalar-size and alias-expansion limits of `limits`."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self.warn_double_anchors = False  # re-using an anchor name is valid YAML; no warning
        self.depth = 0
        self.nodes = 0  # nodes the builder will visit, aliases expanded
        self.chars = 0  # scalar characters the builder will visit, aliases expanded
        self.aliases = 0
        self.path: list[str | int] = []
        self._sizes: dict[int, tuple[int, int]] = {}  # anchored node id -> (nodes, chars)

    def _fail(self, event: Any, message: str) -> None:
        raise LimitError(event.start_mark, tuple(self.path), message)

    def compose_node(self, parent: Any, index: Any) -> Any:
        if isinstance(index, int):
            self.path.append(index)
        elif isinstance(index, ScalarNode):
            self.path.append(str(index.value))
        else:
            return self._compose(parent, index)
        try:
            return self._compose(parent, index)
        finally:
            self.path.pop()

    def _compose(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            nodes, chars = self._sizes.get(id(node), (1, len(str(node.value))))
            self.aliases += 1
            self.nodes += nodes
            self.chars += chars
            if self.aliases > limits.MAX_ALIASES:
                self._fail(event, f"more than {limits.MAX_ALIASES} aliases in one file")
            if self.nodes > limits.MAX_EXPANDED_NODES:
                self._fail(
                    event,
                    f"aliases expand to more than {limits.MAX_EXPANDED_NODES:,} values "
                    "(an alias bomb?)",
                )
            if self.chars > limits.MAX_EXPANDED_CHARS:
                self._fail(
                    event,
                    f"aliases expand to more than {limits.MAX_EXPANDED_CHARS:,} characters "
                    "(an alias bomb?)",
                )
            return node
        if isinstance(event, ScalarEvent):
            size = len(event.value)
            if size > limits.MAX_SCALAR_CHARS:
                self._fail(event, f"value longer than {limits.MAX_SCALAR_CHARS:,} characters")
            self.nodes += 1
            self.chars += size
            return super().compose_node(parent, index)
        self.depth += 1
        if self.depth > limits.MAX_DEPTH:
            self._fail(event, f"nested deeper than {limits.MAX_DEPTH} levels")
        start = (self.nodes, self.chars)
        self.nodes += 1
        node = super().compose_node(parent, index)
        self.depth -= 1
        if event.anchor is not None:
            self._sizes[id(node)] = (self.nodes - start[0], self.chars - start[1])
        return node


def new_yaml() -> YAML:
    """A pure-Python ruamel loader (safe types) whose composer enforces the limits."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Composer = LimitedComposer
    return yaml


# --- the C event source ---------------------------------------------------------------------
#
# Scanning and parsing are most of a load's time in pure Python (5,000 groups: ~85 %). libyaml,
# through ruamel's `CParser`, produces the same events with the same marks (line and column of
# every node; `tests/perf/test_c_events.py` compares both on tricky documents), so composing
# its events with `LimitedComposer` keeps positions and limits exactly while the scanner and
# parser run in C. Where libyaml could differ, the pure parser decides: a file with a `%`
# directive (libyaml speaks YAML 1.1 and would resolve by it), and any file libyaml rejects
# (the pure parser then reports the error in its own words, as before).

try:
    from _ruamel_yaml import CParser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - the wheel ships it; fall back to pure Python
    CParser = None

_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


class Yaml12Resolver(VersionedResolver):
    """The resolver of a file without directives: YAML 1.2, fixed. ruamel's finds the version
    through a chain of failing attribute lookups on every node (a tenth of a load)."""

    @property
    def processing_version(self) -> Any:
        return (1, 2)


class _CEvents:
    """The loader a `Composer` expects: libyaml's events and the given resolver."""

    def __init__(self, text: str, resolver: Any) -> None:
        self._parser = CParser(io.StringIO(text))
        self._resolver = resolver
        self._composer: Any = None


def c_may_parse(text: str) -> bool:
    """Whether libyaml's events may stand for the pure parser's on `text` (see above; a file
    libyaml rejects is found out while parsing)."""
    return CParser is not None and not _DIRECTIVE.search(text)


def c_events(text: str) -> Any:
    """libyaml's parser over `text` (its `get_event` gives the events); see `c_may_parse`."""
    return CParser(io.StringIO(text))


def compose_with_c(text: str) -> Any:
    """The composed root node of `text` through libyaml's events, or `NotImplemented` when
    the pure parser must decide (see above). `LimitError` propagates as from the pure path."""
    if not c_may_parse(text):
        return NotImplemented
    composer = LimitedComposer(_CEvents(text, Yaml12Resolver()))
    try:
        return composer.get_single_node()
    except YAMLError:
        return NotImplemented
