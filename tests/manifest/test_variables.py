"""`${VAR}` substitution, escapes, secret tracking and redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from impops import redact
from impops.errors import ManifestError
from impops.manifest import load_project
from impops.providers.impcentral.desired import build_desired
from impops.providers.impcentral.model import DeviceGroup, Webhook

from .conftest import write_tree

PRODUCT = """\
product: widget
description: ${PRODUCT_DESCRIPTION}
device_groups:
  dev:
    type: development
    description: literal $${NOT_A_VAR} and $$ and cost $5
    env_vars:
      API_KEY: ${API_KEY}
      TOKEN: !secret tok-literal-1234
      PLAIN: hello
      COUNT: 3
    code: {device: d.nut}
    deployment:
      description: build for ${REGION_NAME}
      tags: [a, "${TAG}"]
    devices: ["${DEVICE_ID}"]
    webhooks:
      - event: deployment
        url: https://hooks.example.com/${HOOK_TOKEN}
      - event: deployment
        url: https://hooks.example.com/public
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_tree(
        tmp_path,
        {
            "impops.yaml": "version: 1\nproducts: [widget.yaml]\nvars:\n"
            "  API_KEY: default-api-key\n  HOOK_TOKEN: default-hook-token\n"
            "  PRODUCT_DESCRIPTION: Widgets\n  REGION_NAME: europe\n  TAG: beta\n"
            "  DEVICE_ID: 0123456789abcdef\n",
            "widget.yaml": PRODUCT,
            "d.nut": "server.log(1);\n",
        },
    )


def test_environment_wins_over_vars(root: Path) -> None:
    project = load_project(root, env={"API_KEY": "env-api-key-999"})
    group = project.products[0].device_groups["dev"]
    assert group.env_vars["API_KEY"] == "env-api-key-999"
    assert group.webhooks[0].url == "https://hooks.example.com/default-hook-token"
    assert group.description == "literal ${NOT_A_VAR} and $$ and cost $5"


def test_sensitive_paths_on_resources(root: Path) -> None:
    state = build_desired(load_project(root, env={}))
    product = state.resources["product/widget"]
    assert product.sensitive == {"description"}
    group = state.resources["devicegroup/widget/dev"]
    assert isinstance(group, DeviceGroup)
    assert group.sensitive == {"env_vars.API_KEY", "env_vars.TOKEN"}
    deployment = state.resources["deployment/widget/dev"]
    assert deployment.sensitive == {"description", "tags"}
    assert state.resources["devices/widget/dev"].sensitive == {"devices"}
    hooks = [r for r in state.resources.values() if isinstance(r, Webhook)]
    assert {h.url: h.sensitive for h in hooks} == {
        "https://hooks.example.com/default-hook-token": {"url"},
        "https://hooks.example.com/public": frozenset(),
    }


def test_values_are_registered_and_scrubbed(root: Path) -> None:
    load_project(root, env={"API_KEY": "env-api-key-999"})
    text = (
        "key env-api-key-999 token tok-literal-1234 "
        "url https://hooks.example.com/default-hook-token plain hello"
    )
    scrubbed = redact.scrub(text)
    assert "env-api-key-999" not in scrubbed
    assert "tok-literal-1234" not in scrubbed
    assert "default-hook-token" not in scrubbed
    assert "hello" in scrubbed  # not a secret


def test_unterminated_and_bad_names(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "impops.yaml": "version: 1\nproducts: [p.yaml]\n",
            "p.yaml": "product: w\ndescription: 'a ${oops'\ndevice_groups:\n  d:\n"
            "    type: development\n    description: '${1BAD}'\n",
        },
    )
    with pytest.raises(ManifestError) as info:
        load_project(tmp_path, env={})
    got = [(p.key, p.message) for p in info.value.problems]
    assert got == [
        ("description", "unterminated `${` (write `$${` for a literal `${`)"),
        ("device_groups.d.description", "bad variable name `1BAD` (letters, digits, `_`)"),
    ]


def test_variables_in_project_vars_are_literal(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "impops.yaml": "version: 1\nproducts: [p.yaml]\nvars:\n  A: '${B}'\n  N: 42\n",
            "p.yaml": "product: w\ndescription: ${A}-${N}\n",
        },
    )
    project = load_project(tmp_path, env={})
    assert project.products[0].description == "${B}-42"
