"""Hostile manifests (issue 9): each failure mode measured from outside, as a test.

Every case runs `impops validate` in-process and checks the exit code, that no
`internal error` or traceback appears, and the exact file:line:column and key of the problem.
The slow ones (alias bomb, big files) also assert a time bound: the limits must stop the work
before it happens, not after.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from impops.cli import main
from impops.manifest import limits

from .conftest import write_tree

PROJECT = "version: 1\nproducts: [p.yaml]\n"
DEV = "product: x\ndevice_groups:\n  d:\n    type: development\n"  # then `    key: value`


def validate(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict[str, object]]]:
    """Exit code and problems (as JSON dicts) of `impops validate root --format json`."""
    code = main(["validate", str(root), "--format", "json"])
    captured = capsys.readouterr()
    assert "internal error" not in captured.out + captured.err
    assert "Traceback" not in captured.out + captured.err
    report = json.loads(captured.out)
    return code, list(report.get("problems", []))


def only_problem(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, int, int, str, str]:
    code, problems = validate(root, capsys)
    assert code == 1
    assert len(problems) == 1, problems
    p = problems[0]
    return (str(p["file"]), int(p["line"]), int(p["column"]), str(p["key"]), str(p["message"]))  # type: ignore[call-overload]


def product(tmp_path: Path, text: str | bytes, project: str = PROJECT) -> Path:
    return write_tree(tmp_path, {"impops.yaml": project, "p.yaml": text})


def test_deep_nesting_of_lists_is_a_limit_not_a_recursion_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = product(tmp_path, "product: x\ndevice_groups: " + "[" * 600 + "]" * 600 + "\n")
    file, line, column, key, message = only_problem(root, capsys)
    assert (file, line) == ("p.yaml", 2)
    assert column == 16 + limits.MAX_DEPTH - 1  # the first `[` past the limit
    assert key.startswith("device_groups[0][0]")
    assert f"nested deeper than {limits.MAX_DEPTH} levels" in message


def test_deep_nesting_of_maps(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = "".join(" " * (i + 1) + "a:\n" for i in range(600))
    root = product(tmp_path, "product: x\ndescription:\n" + lines)
    file, line, _, key, message = only_problem(root, capsys)
    assert (file, line) == ("p.yaml", 2 + limits.MAX_DEPTH)
    assert key.startswith("description.a.a")
    assert "nested deeper" in message


def test_the_limit_leaves_real_nesting_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = "[" * (limits.MAX_DEPTH - 1) + "]" * (limits.MAX_DEPTH - 1)
    root = product(tmp_path, f"product: x\ndescription: {nested}\n")
    _, _, _, key, message = only_problem(root, capsys)
    assert (key, message) == ("description", "expected a string, got a list")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("prune: !!int false", "!!int"),
        ("prune: !!float abc", "!!float"),
        ("prune: !!bool 3", "!!bool"),
    ],
)
def test_a_tag_that_does_not_fit_its_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, tag: str
) -> None:
    root = write_tree(tmp_path, {"impops.yaml": f"{PROJECT}{text}\n", "p.yaml": "product: x\n"})
    assert only_problem(root, capsys) == (
        "impops.yaml",
        3,
        8,
        "prune",
        f"the tag `{tag}` does not fit this value",
    )


def test_unsupported_tags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = product(tmp_path, "product: x\ndescription: !!binary aGVsbG8=\n")
    assert only_problem(root, capsys)[1:] == (2, 14, "description", "unsupported tag `!!binary`")


def test_nul_byte_in_a_code_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = 'product: x\ndevice_groups:\n  d:\n    type: development\n    code: {agent: "a\\0b"}\n'
    assert only_problem(product(tmp_path, text), capsys) == (
        "p.yaml",
        5,
        19,
        "device_groups.d.code.agent",
        "a file path cannot contain a NUL character",
    )


def test_over_long_name_in_a_code_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = f"{DEV}    code: {{agent: src/{'a' * 300}}}\n"
    assert only_problem(product(tmp_path, text), capsys) == (
        "p.yaml",
        5,
        19,
        "device_groups.d.code.agent",
        "a path component is longer than 255 bytes",
    )


@pytest.mark.parametrize("entry", ['"a\\0b.yaml"', "x" * 300 + ".yaml"])
def test_product_entries_the_os_cannot_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], entry: str
) -> None:
    root = write_tree(tmp_path, {"impops.yaml": f"version: 1\nproducts:\n  - {entry}\n"})
    file, line, column, key, _ = only_problem(root, capsys)
    assert (file, line, column, key) == ("impops.yaml", 3, 5, "products[0]")


@pytest.mark.parametrize("url", ["http://[abc/", "https://]/x", "http://[::1"])
def test_bracket_in_a_webhook_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    text = (
        "product: x\ndevice_groups:\n  d:\n    type: production\n    webhooks:\n"
        f"      - event: deployment\n        url: '{url}'\n"
    )
    assert only_problem(product(tmp_path, text), capsys) == (
        "p.yaml",
        7,
        14,
        "device_groups.d.webhooks[0].url",
        "must be an http:// or https:// URL with a host",
    )


def test_bracket_in_the_endpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_tree(
        tmp_path, {"impops.yaml": f"{PROJECT}endpoint: 'http://[x'\n", "p.yaml": "product: x\n"}
    )
    assert only_problem(root, capsys)[:4] == ("impops.yaml", 3, 11, "endpoint")


def _bomb(levels: int = 9) -> str:
    """The classic "billion laughs": 10**levels values from ~40 bytes a line."""
    names = "abcdefghij"
    lines = ["a: &a [x,x,x,x,x,x,x,x,x,x]"]
    for i in range(1, levels):
        refs = ",".join([f"*{names[i - 1]}"] * 10)
        lines.append(f"{names[i]}: &{names[i]} [{refs}]")
    return "product: x\n" + "\n".join(lines) + "\n"


def test_alias_bomb_is_stopped_while_composing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _bomb()
    assert len(text.encode()) < 400
    started = time.monotonic()
    file, line, _, key, message = only_problem(product(tmp_path, text), capsys)
    assert time.monotonic() - started < 5
    assert file == "p.yaml"
    assert line == 7  # level f (10**6 values) passes the limit
    assert key.startswith("f[")
    assert "aliases expand to more than 1,000,000 values" in message


def test_too_many_aliases(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    refs = ", ".join(["*v"] * (limits.MAX_ALIASES + 1))
    root = product(tmp_path, f"product: x\nvalue: &v 1\ntags: [{refs}]\n")
    _, line, _, key, message = only_problem(root, capsys)
    assert (line, key) == (3, f"tags[{limits.MAX_ALIASES}]")
    assert f"more than {limits.MAX_ALIASES} aliases" in message


def test_alias_expansion_counts_text_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = "a" * limits.MAX_SCALAR_CHARS
    count = limits.MAX_EXPANDED_CHARS // limits.MAX_SCALAR_CHARS + 1
    refs = ", ".join(["*v"] * count)
    root = product(tmp_path, f"product: x\nvalue: &v {big}\nlist: [{refs}]\n")
    _, line, _, key, message = only_problem(root, capsys)
    assert line == 3
    assert key.startswith("list[")
    assert "characters (an alias bomb?)" in message


def test_large_file_is_refused_before_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = product(tmp_path, "product: x\ndescription: " + "a" * (20 * 1024 * 1024) + "\n")
    started = time.monotonic()
    assert only_problem(root, capsys) == ("p.yaml", 1, 1, "", "file is larger than 4 MiB")
    assert time.monotonic() - started < 2


def test_large_scalar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    big = "a" * (limits.MAX_SCALAR_CHARS + 1)
    root = product(tmp_path, f"product: x\ndevice_groups:\n  d:\n    description: {big}\n")
    assert only_problem(root, capsys) == (
        "p.yaml",
        4,
        18,
        "device_groups.d.description",
        "value longer than 65,536 characters",
    )


def test_large_code_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "product: x\ndevice_groups:\n  d:\n    type: development\n    code: {agent: a.nut}\n"
    root = product(tmp_path, text)
    (root / "a.nut").write_bytes(b"x" * (limits.MAX_CODE_BYTES + 1))
    assert only_problem(root, capsys) == (
        "p.yaml",
        5,
        19,
        "device_groups.d.code.agent",
        "a.nut is larger than 4 MiB",
    )


@pytest.mark.parametrize("products", ["[p.yaml]", "['*.yaml']"])
def test_product_file_symlinked_outside_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], products: str
) -> None:
    outside = write_tree(tmp_path / "outside", {"p.yaml": "product: outside\n"})
    root = write_tree(
        tmp_path / "root",
        {"impops.yaml": f"version: 1\nproducts: {products}\n", "q.yaml": "product: q\n"},
    )
    os.symlink(outside / "p.yaml", root / "p.yaml")
    file, line, column, key, message = only_problem(root, capsys)
    assert (file, line, column, key) == ("impops.yaml", 2, 12, "products[0]")
    assert "outside the manifest directory" in message


def test_project_file_symlinked_outside_the_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = write_tree(tmp_path / "outside", {"impops.yaml": PROJECT})
    root = write_tree(tmp_path / "root", {"p.yaml": "product: x\n"})
    os.symlink(outside / "impops.yaml", root / "impops.yaml")
    assert "symlink to outside" in only_problem(root, capsys)[4]


SECRET = "hunter2-secret"


@pytest.mark.parametrize(
    "text",
    [
        f"product: x\ndevice_groups:\n  d:\n    type: !secret {SECRET}\n",
        # the type is quoted in the target check of another group
        "product: x\ndevice_groups:\n  prod:\n"
        f"    type: !secret {SECRET}\n  f:\n    type: factoryfixture\n"
        "    production_target: prod\n    dut_target: dut\n  dut:\n    type: dut\n",
        f"product: !secret {SECRET}\n",
        f"product: x\ndevice_groups:\n  d:\n    type: dut\n    dut_target: !secret {SECRET}\n",
        f"{DEV}    env_vars:\n      !secret {SECRET}: 1\n",
        f"product: x\ndevice_groups:\n  !secret {SECRET}:\n    type: development\n",
        f"{DEV}    code: {{agent: !secret {SECRET}}}\n",
        f"{DEV}    deployment: {{restart: !secret {SECRET}}}\n",
    ],
)
def test_secrets_are_never_echoed_whatever_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    code = main(["validate", str(product(tmp_path, text))])
    err = capsys.readouterr().err
    assert code == 1
    assert "!secret" in err
    assert "hunter2" not in err
    code = main(["validate", str(tmp_path), "--format", "json"])
    assert "hunter2" not in capsys.readouterr().out


def test_a_short_secret_in_a_target_is_not_echoed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Too short for textual scrubbing: it must never reach a message in the first place.
    text = (
        "product: x\ndevice_groups:\n  f:\n    type: factoryfixture\n"
        "    production_target: !secret qz\n    dut_target: dut\n  dut:\n    type: dut\n"
    )
    _, problems = validate(product(tmp_path, text), capsys)
    assert all("qz" not in str(p) for p in problems)


def test_control_character_at_its_real_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "product: x\ndevice_groups:\n  d:\n    type: dev\x01elopment\n"
    file, line, column, key, message = only_problem(product(tmp_path, text), capsys)
    assert (file, line, column, key) == ("p.yaml", 4, 14, "device_groups.d.type")
    assert message.startswith("U+0001 (a control character) is not allowed in YAML")
    assert "\n" not in message


def test_many_control_characters_are_summarised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "product: x\n" + "".join(f"k{i}: a\x7fb\n" for i in range(15))
    code, problems = validate(product(tmp_path, text), capsys)
    assert code == 1
    assert len(problems) == limits.MAX_CONTROL_REPORTS
    assert [p["line"] for p in problems] == list(range(2, 2 + limits.MAX_CONTROL_REPORTS))
    assert "and 5 more" in str(problems[-1]["message"])


def test_unpaired_surrogate_escape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = 'product: x\ndescription: "a\\ud800b"\n'
    _, line, column, key, message = only_problem(product(tmp_path, text), capsys)
    assert (line, column, key) == (2, 14, "description")
    assert "unpaired surrogate" in message


def test_duplicate_anchor_names_are_valid_and_silent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = product(tmp_path, "product: x\na: &v 1\nb: &v 2\ndescription: *v\n")
    _, problems = validate(root, capsys)
    assert {str(p["key"]) for p in problems} == {"a", "b", "description"}


@pytest.mark.parametrize(
    ("field", "typo", "hint"),
    [
        ("type", "developmnt", "development"),
        ("deployment: {restart: conditonal}", None, "conditional"),
        ("webhooks: [{event: blinup, url: 'https://h.example.com'}]", None, "blinkup"),
    ],
)
def test_manifest_enums_get_did_you_mean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str, typo: str | None, hint: str
) -> None:
    group = f"    type: {typo}\n" if typo else f"    type: production\n    {field}\n"
    root = product(tmp_path, f"product: x\ndevice_groups:\n  d:\n{group}")
    assert f"(did you mean `{hint}`?)" in only_problem(root, capsys)[4]
