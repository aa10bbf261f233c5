"""A product or group whose declaration vanished is reported in plan and drift, over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from adopt_helpers import Cli

from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.undeclared import GROUP_TEXT, PRODUCT_TEXT


def write(root: Path, products: dict[str, str]) -> Path:
    (root / "impops.yaml").write_text("version: 1\nproducts: ['*/product.yaml']\n")
    for index, (name, groups) in enumerate(products.items()):
        (root / f"p{index}").mkdir(parents=True, exist_ok=True)
        (root / f"p{index}" / "app.nut").write_text("// app\n")
        (root / f"p{index}" / "product.yaml").write_text(
            f"product: {name}\ndevice_groups:\n{groups}"
        )
    return root


GROUP = "  {name}: {{type: development, code: {{agent: app.nut}}}}\n"


def test_vanished_product_and_group_are_reported(
    cli: Cli, client: ImpCentralClient, tmp_path: Path
) -> None:
    root = write(
        tmp_path,
        {
            "shop": GROUP.format(name="lab") + GROUP.format(name="bench"),
            "cafe": GROUP.format(name="x"),
        },
    )
    assert cli("apply", str(root), "--auto-approve").code == 0
    client.create_product("someone-else")  # never managed: not reported
    for path in (root / "p1").iterdir():
        path.unlink()
    (root / "p1").rmdir()
    write(root, {"shop": GROUP.format(name="lab")})
    plan = cli("plan", str(root))
    assert plan.code == 0, plan.text
    assert f"product/cafe: {PRODUCT_TEXT}" in plan.out
    assert f"devicegroup/shop/bench: {GROUP_TEXT}" in plan.out
    assert "someone-else" not in plan.out
    data = json.loads(cli("plan", str(root), "--format", "json").out)
    reasons = {u["address"]: u["reason"] for u in data["unmanaged"]}
    assert reasons["product/cafe"] == "undeclared_product"
    assert reasons["devicegroup/shop/bench"] == "undeclared_group"
    drift = cli("drift", str(root))
    assert "product/cafe" in drift.out, drift.text
    assert "devicegroup/shop/bench" in drift.out
    # Declaring it retired makes it managed again: pruning deletes it.
    (root / "impops.yaml").write_text(
        "version: 1\nproducts: ['*/product.yaml']\nretired_products: [cafe]\n"
    )
    assert "product/cafe" not in [
        u["address"]
        for u in json.loads(cli("plan", str(root), "--format", "json").out)["unmanaged"]
        if u["reason"] == "undeclared_product"
    ]
