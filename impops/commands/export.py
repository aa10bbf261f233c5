"""`impops export [--out DIR] [--product NAME]... [--force]`: write manifests from a live account.

Composes the providers' exporters: impCentral's products (one product file and the code of each
group's current deployment) and, when Mnubo credentials are set, the Mnubo model. Writes the
layout of docs/manifests.md, lists the `${VAR}`s the user must set (never their values) and
refuses to write into a non-empty directory without `--force`. With `--product` into an
existing project it adds those products and leaves every other file alone.
"""

from __future__ import annotations

import argparse
import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from impops.commands import common
from impops.errors import ConfigError, ExitCode
from impops.providers.impcentral import export as ic_export
from impops.providers.impcentral.api.client import ImpCentralClient
from impops.providers.impcentral.settings import Settings
from impops.providers.mnubo import export as mnubo_export
from impops.providers.mnubo.client import MnuboClient
from impops.providers.mnubo.live import LiveReader
from impops.providers.mnubo.settings import ZONES, env_names, load_zones

PROJECT_FILE = "impops.yaml"
PRODUCT_FILE = "product.yaml"
MNUBO_FILE = "mnubo.yaml"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write manifests from a live account (adopt an existing fleet)",
        description="Read live impCentral (and Mnubo, when its credentials are set) and write "
        "a project: impops.yaml, one product file per product with the code of each group's "
        "current deployment. Secret-looking values become ${VAR} references; the variables "
        "to set are listed, their values never written.",
    )
    parser.add_argument(
        "--out", default=".", metavar="DIR", help="project directory to write (default: .)"
    )
    parser.add_argument(
        "--product",
        action="append",
        default=[],
        metavar="NAME",
        help="export only this product (repeatable); into an existing project it adds the "
        "product and leaves the others alone",
    )
    parser.add_argument(
        "--force", action="store_true", help="write into a non-empty directory (overwrites)"
    )
    common.add_parallelism(parser)
    parser.set_defaults(func=run_export)


def run_export(args: argparse.Namespace, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    root = Path(args.out)
    project_file = root / PROJECT_FILE
    adding = bool(args.product) and project_file.is_file()
    if not adding and root.is_dir() and any(root.iterdir()) and not args.force:
        raise ConfigError(
            f"{str(root)!r} is not empty; use --force to write into it (files export writes "
            "are overwritten), or --product NAME to add products to an existing project"
        )
    existing = _load_yaml(project_file) if adding else {}
    settings = Settings.from_env(env, default_endpoint=existing.get("endpoint"))
    with ImpCentralClient(settings) as client:
        state, names, missing = ic_export.read_products(client, args.product, args.parallelism)
    if missing:
        raise ConfigError("no such product in the account: " + ", ".join(sorted(missing)))
    declared = _declared_products(root, existing) if adding else {}
    taken = {p.name for p in root.iterdir() if p.is_dir()} if adding else set()
    exported = []
    variables: set[str] = set()
    for name in names:
        if name in declared and not args.force:
            raise ConfigError(
                f"product {name!r} is already declared in {declared[name]}; --force replaces it"
            )
        directory = (
            declared[name].rsplit("/", 1)[0]
            if name in declared and "/" in declared[name]
            else ic_export.unique(ic_export.slug(name), taken)
        )
        exported.append(ic_export.export_product(state, name, directory, variables))
    for product in exported:
        _write_product(root, product)
    mnubo = None if adding else _export_mnubo(root, env)
    if adding:
        _add_to_project(project_file, [f"{p.directory}/{PRODUCT_FILE}" for p in exported])
    else:
        project: dict[str, Any] = {"version": 1, "products": [f"*/{PRODUCT_FILE}"]}
        if mnubo:
            project["mnubo"] = MNUBO_FILE
        _write_yaml(project_file, project)
    common.out(_report(root, exported, mnubo))
    return int(ExitCode.OK)


def _report(root: Path, exported: list[ic_export.ExportedProduct], mnubo: str | None) -> str:
    lines = [f"Exported {len(exported)} product{'s' if len(exported) != 1 else ''} to {root}:"]
    lines += [f"  {p.directory}/{PRODUCT_FILE}  ({p.name})" for p in exported]
    if mnubo:
        lines.append(f"  {MNUBO_FILE}  (Mnubo model: {mnubo})")
    warnings = [w for p in exported for w in p.warnings]
    lines += [f"warning: {w}" for w in warnings]
    found = [v for p in exported for v in p.variables]
    if found:
        lines.append("")
        lines.append(
            f"Set these {len(found)} variable{'s' if len(found) != 1 else ''} (e.g. as CI "
            "secrets) before `impops plan`; their values were not written:"
        )
        lines += [f"  {v.name}  ({v.where})" for v in found]
    lines.append("")
    lines.append(f"Next: `impops plan {root}` should show no changes.")
    return "\n".join(lines)


# --- files ------------------------------------------------------------------------------------


def _yaml() -> YAML:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 4096
    yaml.allow_unicode = True
    return yaml


def _write_yaml(path: Path, data: Any, header: str = "") -> None:
    buffer = io.StringIO()
    _yaml().dump(data, buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + buffer.getvalue(), encoding="utf-8")


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # noqa: BLE001 - any unreadable file is one user-facing error
        raise ConfigError(f"cannot read {path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def _write_product(root: Path, product: ic_export.ExportedProduct) -> None:
    directory = root / product.directory
    header = "# Written by `impops export`. See docs/manifests.md.\n"
    _write_yaml(directory / PRODUCT_FILE, product.manifest, header)
    for rel, text in product.code.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")


def _declared_products(root: Path, project: Mapping[str, Any]) -> dict[str, str]:
    """Product name -> its file (relative to root) for the files the project lists."""
    found: dict[str, str] = {}
    for entry in project.get("products") or ():
        for path in sorted(root.glob(str(entry))):
            if path.name == PROJECT_FILE or not path.is_file():
                continue
            name = _load_yaml(path).get("product")
            if isinstance(name, str):
                found.setdefault(name, path.relative_to(root).as_posix())
    return found


def _add_to_project(project_file: Path, files: list[str]) -> None:
    """List `files` in `products:` unless an entry already matches them (edits only that)."""
    root = project_file.parent
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    data = yaml.load(project_file.read_text(encoding="utf-8"))
    entries = data.get("products")
    matched = {p.resolve() for e in entries or () for p in root.glob(str(e))}
    new = [f for f in files if (root / f).resolve() not in matched]
    if not new:
        return
    entries.extend(new)
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    project_file.write_text(buffer.getvalue(), encoding="utf-8")


def _export_mnubo(root: Path, env: Mapping[str, str]) -> str | None:
    """Write the Mnubo model file when the sandbox credentials are set; which zones it read."""
    zones = [z for z in ZONES if all(env.get(n, "").strip() for n in env_names(z))]
    if "sandbox" not in zones:
        return None
    settings = load_zones(zones, env)
    clients = {zone: MnuboClient(s) for zone, s in settings.items()}
    try:
        readers: dict[str, LiveReader] = dict(clients)
        state = mnubo_export.read_model(readers)
    finally:
        for client in clients.values():
            client.close()
    _write_yaml(root / MNUBO_FILE, mnubo_export.export_model(state))
    return " and ".join(zones)
