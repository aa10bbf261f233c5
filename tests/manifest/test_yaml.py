"""The position-keeping YAML layer: positions, duplicates, merges, tags, syntax errors."""

from __future__ import annotations

from pathlib import Path

from impops.errors import SourcePosition
from impops.manifest.yaml import dotted, parse_yaml, read_yaml

DOC = """\
product: widget
device_groups:
  dev:
    type: development
    env_vars:
      TOKEN: !secret abc123xyz
    webhooks:
      - event: deployment
        url: https://example.com/hook
"""


def test_positions_of_keys_and_values() -> None:
    loaded, problems = parse_yaml(DOC, "p.yaml")
    assert problems == []
    assert loaded is not None
    pos = loaded.positions
    assert pos.key(("device_groups", "dev")) == SourcePosition("p.yaml", 3, 3)
    assert pos.value(("device_groups", "dev", "type")) == SourcePosition("p.yaml", 4, 11)
    assert pos.value(("device_groups", "dev", "webhooks", 0)) == SourcePosition("p.yaml", 8, 9)
    assert pos.value(("device_groups", "dev", "webhooks", 0, "url")) == SourcePosition(
        "p.yaml", 9, 14
    )
    # Unknown deeper paths fall back to the nearest known value.
    assert pos.value(("device_groups", "dev", "nope", 3)) == SourcePosition("p.yaml", 4, 5)


def test_secret_tag_is_a_string_and_recorded() -> None:
    loaded, _ = parse_yaml(DOC, "p.yaml")
    assert loaded is not None
    assert loaded.data["device_groups"]["dev"]["env_vars"]["TOKEN"] == "abc123xyz"
    assert loaded.secret_paths == {("device_groups", "dev", "env_vars", "TOKEN")}


def test_scalars_follow_yaml_1_2() -> None:
    loaded, _ = parse_yaml("a: yes\nb: 0x10\nc: 1.5\nd: ~\ne: true\nf: '5'\n", "x.yaml")
    assert loaded is not None
    assert loaded.data == {"a": "yes", "b": 16, "c": 1.5, "d": None, "e": True, "f": "5"}


def test_every_duplicate_key_is_reported() -> None:
    _, problems = parse_yaml("a: 1\nb: 2\na: 3\nm:\n  x: 1\n  x: 2\n", "x.yaml")
    assert [(p.position.line, p.key) for p in problems] == [(3, "a"), (6, "m.x")]


def test_merge_keys_and_anchors() -> None:
    text = "base: &base\n  type: development\n  description: d\ng:\n  <<: *base\n  description: e\n"
    loaded, problems = parse_yaml(text, "x.yaml")
    assert problems == []
    assert loaded is not None
    assert loaded.data["g"] == {"type": "development", "description": "e"}
    assert loaded.positions.value(("g", "description")).line == 6


def test_syntax_error_has_a_position() -> None:
    loaded, problems = parse_yaml("a: [1, 2\nb: 3\n", "x.yaml")
    assert loaded is None
    assert len(problems) == 1
    assert problems[0].position.line == 2
    assert problems[0].message.startswith("YAML syntax error")


def test_complex_keys_are_refused() -> None:
    _, problems = parse_yaml("? [a, b]\n: 1\n", "x.yaml")
    assert [p.message for p in problems] == ["keys must be plain strings, not lists or maps"]


def test_numeric_keys_keep_their_text() -> None:
    loaded, _ = parse_yaml("groups:\n  2024: x\n  0x1: y\n", "x.yaml")
    assert loaded is not None
    assert loaded.data == {"groups": {"2024": "x", "0x1": "y"}}


def test_unreadable_and_missing_files(tmp_path: Path) -> None:
    _, problems = read_yaml(tmp_path / "none.yaml", "none.yaml")
    assert problems[0].message == "file not found"
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfa: 1\n")
    loaded, problems = read_yaml(bom, "bom.yaml")
    assert problems == []
    assert loaded is not None
    assert loaded.data == {"a": 1}


def test_dotted() -> None:
    assert dotted(("device_groups", "dev", "webhooks", 0, "url")) == (
        "device_groups.dev.webhooks[0].url"
    )
    assert dotted(()) == ""


def test_tags_on_collections_are_refused() -> None:
    loaded, problems = parse_yaml("a: !secret {b: 1}\nc: !env [1]\n", "x.yaml")
    assert [(p.key, p.message) for p in problems] == [
        ("a", "`!secret` applies to a single value, not a list or map"),
        ("c", "unknown tag `!env` (only `!secret` is supported)"),
    ]
    assert loaded is not None
    assert loaded.secret_paths == set()
