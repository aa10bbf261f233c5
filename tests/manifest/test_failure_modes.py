"""One fixture per failure mode (tests/fixtures/manifests/<case>/): exact file, line, key."""

from __future__ import annotations

from pathlib import Path

import pytest

from impops.errors import ManifestError, ManifestProblem
from impops.manifest import load_project

from .conftest import FIXTURES, write_tree


def problems_of(case: str | Path, env: dict[str, str] | None = None) -> list[ManifestProblem]:
    root = FIXTURES / case if isinstance(case, str) else case
    with pytest.raises(ManifestError) as info:
        load_project(root, env=env or {})
    return info.value.problems


# case, file, line, column, key, message fragment
SINGLE = [
    (
        "duplicate_key",
        "product.yaml",
        6,
        5,
        "device_groups.dev.description",
        "duplicate key (first defined at line 5)",
    ),
    (
        "unknown_key",
        "product.yaml",
        5,
        5,
        "device_groups.dev.descriptin",
        "unknown key (did you mean `description`?)",
    ),
    (
        "bad_group_type",
        "product.yaml",
        4,
        11,
        "device_groups.dev.type",
        "must be one of 'development'",
    ),
    (
        "missing_required_key",
        "product.yaml",
        3,
        3,
        "device_groups.dev.type",
        "missing required key",
    ),
    (
        "fixture_missing_target",
        "product.yaml",
        5,
        3,
        "device_groups.factory",
        "factoryfixture groups need a dut_target",
    ),
    (
        "target_not_found",
        "product.yaml",
        7,
        24,
        "device_groups.factory.production_target",
        "no device group `prod` in this product",
    ),
    (
        "wrong_target_type",
        "product.yaml",
        9,
        24,
        "device_groups.pre-factory.production_target",
        "must be a pre_production group",
    ),
    (
        "targets_on_non_fixture",
        "product.yaml",
        7,
        5,
        "device_groups.dev.production_target",
        "only fixture groups have targets",
    ),
    (
        "region_on_development",
        "product.yaml",
        5,
        5,
        "device_groups.dev.region",
        "only pre_production and production groups have region",
    ),
    (
        "load_code_after_blessing_on_dut",
        "product.yaml",
        5,
        5,
        "device_groups.dut.load_code_after_blessing",
        "only pre_production and production",
    ),
    (
        "missing_code_file",
        "product.yaml",
        7,
        15,
        "device_groups.dev.code.device",
        "code file not found: src/missing.device.nut",
    ),
    (
        "non_utf8_code_file",
        "product.yaml",
        6,
        15,
        "device_groups.dev.code.device",
        "is not UTF-8 text",
    ),
    ("nul_code_file", "product.yaml", 6, 15, "device_groups.dev.code.device", "NUL bytes"),
    (
        "code_path_escapes_root",
        "product.yaml",
        6,
        14,
        "device_groups.dev.code.agent",
        "must be inside the manifest directory",
    ),
    ("empty_code", "product.yaml", 5, 5, "device_groups.dev.code", "`agent` and/or a `device`"),
    (
        "duplicate_group_name",
        "product.yaml",
        7,
        3,
        "device_groups.dev",
        "duplicate key (first defined at line 3)",
    ),
    (
        "duplicate_product",
        "products/b.yaml",
        2,
        10,
        "product",
        "product `widget` is also declared at products/a.yaml:1:10",
    ),
    (
        "bad_tag",
        "product.yaml",
        8,
        23,
        "device_groups.dev.deployment.tags[1]",
        "tags use letters, digits",
    ),
    (
        "tags_too_long",
        "product.yaml",
        6,
        7,
        "device_groups.dev.deployment.tags",
        "exceed 500 characters",
    ),
    (
        "bad_env_key",
        "product.yaml",
        7,
        7,
        "device_groups.dev.env_vars.2FAST",
        "env_vars keys start with a letter",
    ),
    (
        "blessing_webhook_on_development",
        "product.yaml",
        8,
        16,
        "device_groups.dev.webhooks[1].event",
        "blessing webhooks exist only on pre_production",
    ),
    (
        "bad_webhook_url",
        "product.yaml",
        7,
        14,
        "device_groups.dev.webhooks[0].url",
        "http:// or https:// URL with a host",
    ),
    (
        "bad_webhook_event",
        "product.yaml",
        6,
        16,
        "device_groups.dev.webhooks[0].event",
        "must be one of 'blessing', 'blinkup' or 'deployment'",
    ),
    (
        "duplicate_webhook",
        "product.yaml",
        8,
        9,
        "device_groups.dev.webhooks[1]",
        "same event and url as webhooks[0]",
    ),
    (
        "missing_variable",
        "product.yaml",
        6,
        16,
        "device_groups.dev.env_vars.API_KEY",
        "variable `WIDGET_API_KEY` is not set",
    ),
    ("variable_not_allowed", "product.yaml", 1, 10, "product", "variables are not allowed here"),
    (
        "secret_not_allowed",
        "product.yaml",
        4,
        11,
        "device_groups.dev.type",
        "`!secret` is not allowed here",
    ),
    ("unknown_yaml_tag", "product.yaml", 2, 14, "description", "unknown tag `!include`"),
    ("yaml_syntax_error", "product.yaml", 5, 4, "", "YAML syntax error"),
    ("not_a_map", "product.yaml", 1, 1, "", "must contain a map"),
    ("non_utf8_yaml", "product.yaml", 2, 17, "", "not UTF-8"),
    (
        "duplicate_device",
        "product.yaml",
        13,
        9,
        "device_groups.factory-bench.devices[0]",
        "device `0c:2a:69:05:0d:62` is already listed at product.yaml:7:9",
    ),
    (
        "bad_device_ref",
        "product.yaml",
        6,
        9,
        "device_groups.dev.devices[0]",
        "16-hex device id, a MAC address",
    ),
    (
        "devices_on_production",
        "product.yaml",
        5,
        5,
        "device_groups.production.devices",
        "impCentral assigns production devices itself",
    ),
    (
        "name_too_long",
        "product.yaml",
        3,
        3,
        "device_groups." + "g" * 81,
        "names are 1-80 characters",
    ),
    ("description_too_long", "product.yaml", 2, 14, "description", "at most 255 characters"),
    (
        "missing_product_file",
        "impops.yaml",
        4,
        5,
        "products[1]",
        "product file not found: missing.yaml",
    ),
    ("glob_matches_nothing", "impops.yaml", 3, 5, "products[0]", "no file matches"),
    (
        "retired_still_declared",
        "impops.yaml",
        3,
        20,
        "retired_products[0]",
        "retired but still declared at product.yaml:1:10",
    ),
]


@pytest.mark.parametrize(
    ("case", "file", "line", "column", "key", "fragment"), SINGLE, ids=[c[0] for c in SINGLE]
)
def test_failure_mode(
    case: str, file: str, line: int, column: int, key: str, fragment: str
) -> None:
    problems = problems_of(case)
    assert len(problems) == 1, [str(p) for p in problems]
    problem = problems[0]
    assert (problem.position.file, problem.position.line, problem.position.column) == (
        file,
        line,
        column,
    )
    assert problem.key == key
    assert fragment in problem.message


def test_every_fixture_directory_is_covered() -> None:
    covered = {c[0] for c in SINGLE} | {"multi_error", "bad_project_file", "bad_env_value"}
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == covered


def test_all_problems_of_all_files_are_reported_together() -> None:
    problems = problems_of("multi_error")
    got = [(p.position.file, p.position.line, p.key) for p in problems]
    assert got == [
        ("products/sensor.yaml", 5, "device_groups.dev.descriptin"),
        ("products/sensor.yaml", 6, "device_groups.dev.region"),
        ("products/sensor.yaml", 8, "device_groups.dev.code.device"),
        ("products/sensor.yaml", 9, "device_groups.factory"),
        ("products/sensor.yaml", 11, "device_groups.factory.production_target"),
        ("products/sensor.yaml", 16, "device_groups.production.webhooks[0].url"),
        ("products/tracker.yaml", 6, "device_groups.dev.env_vars.TOKEN"),
        ("products/tracker.yaml", 7, "device_groups.dev.env_vars.bad-key"),
        ("products/tracker.yaml", 8, "device_groups.dev"),
    ]


def test_bad_project_file_reports_each_key() -> None:
    problems = problems_of("bad_project_file")
    got = [(p.position.line, p.position.column, p.key, p.message) for p in problems]
    assert got == [
        (1, 10, "version", "must be 1"),
        (3, 1, "prun", "unknown key (did you mean `prune`?)"),
        (5, 27, "safety.update_pcent_threshold", "must be at most 1.0"),
        (8, 11, "endpoint", "must be an http(s) URL with a host"),
    ]


def test_env_values_must_be_strings_or_numbers() -> None:
    problems = problems_of("bad_env_value")
    got = [(p.position.line, p.key, p.message) for p in problems]
    assert got == [
        (6, "device_groups.dev.env_vars.ENABLED", "expected a string or a number, got true/false"),
        (7, "device_groups.dev.env_vars.LIST", "expected a string or a number, got a list"),
    ]


def test_missing_variable_resolves_from_the_environment() -> None:
    project = load_project(FIXTURES / "missing_variable", env={"WIDGET_API_KEY": "k-123456"})
    assert project.products[0].device_groups["dev"].env_vars == {"API_KEY": "k-123456"}


def test_missing_project_file(tmp_path: Path) -> None:
    problems = problems_of(tmp_path)
    assert len(problems) == 1
    assert problems[0].position.file == "impops.yaml"
    assert "no impops.yaml in" in problems[0].message


def test_missing_manifest_directory(tmp_path: Path) -> None:
    problems = problems_of(tmp_path / "nope")
    assert "manifest directory not found" in problems[0].message


def test_empty_product_file(tmp_path: Path) -> None:
    write_tree(tmp_path, {"impops.yaml": "version: 1\nproducts: [p.yaml]\n", "p.yaml": ""})
    problems = problems_of(tmp_path)
    assert [(p.position.file, p.message) for p in problems] == [("p.yaml", "file is empty")]


def test_product_file_outside_root_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"impops.yaml": "version: 1\nproducts: [../p.yaml, /etc/hosts]\n"})
    problems = problems_of(tmp_path)
    assert [p.key for p in problems] == ["products[0]", "products[1]"]
    assert all("inside its directory" in p.message for p in problems)


def test_symlinked_code_escaping_root_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.nut"
    outside.write_text("server.log(1);\n")
    root = write_tree(
        tmp_path / "m",
        {
            "impops.yaml": "version: 1\nproducts: [p.yaml]\n",
            "p.yaml": "product: w\ndevice_groups:\n  d:\n    type: development\n"
            "    code: {device: link.nut}\n",
        },
    )
    (root / "link.nut").symlink_to(outside)
    problems = problems_of(root)
    assert [(p.key, p.message) for p in problems] == [
        ("device_groups.d.code.device", "code files must be inside the manifest directory")
    ]


def test_problem_messages_never_echo_secret_values(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "impops.yaml": "version: 1\nproducts: [p.yaml]\n",
            "p.yaml": "product: w\ndevice_groups:\n  d:\n    type: development\n"
            "    webhooks:\n      - {event: deployment, url: '${HOOK}'}\n",
        },
    )
    problems = problems_of(tmp_path, env={"HOOK": "not-a-url-s3cr3t-token"})
    assert [p.key for p in problems] == ["device_groups.d.webhooks[0].url"]
    assert "s3cr3t" not in str(problems[0])
