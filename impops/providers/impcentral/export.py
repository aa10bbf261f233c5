"""Live impCentral -> product manifests: what `impops export` writes for each product.

The live state is read with the same reader `plan` uses, so what it cannot see (the apply
lock's group, zombie deployments of deleted groups, deployment history) is not exported
either, and a fresh export plans no changes. Values that look secret never reach the
manifest: an env var whose name or value looks like a credential, and a webhook URL that
carries credentials, become `${VAR}` references; the caller lists the variables to set and
gets their values only to hand them to the user's environment, never to write them.

Literal `${` in value fields is written as `$${` so that loading gives back the live text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from impops.providers.impcentral.live import LiveReader, read_live
from impops.providers.impcentral.model import (
    IMPOPS_TAG,
    Deployment,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    ImpCentralState,
    Product,
    Webhook,
    url_has_credentials,
)
from impops.providers.impcentral.translate import attrs

# impops manages assignment only where people assign devices by hand (docs/manifests.md).
_ASSIGNABLE = (GroupType.DEVELOPMENT, GroupType.PRE_FACTORYFIXTURE, GroupType.FACTORYFIXTURE)
_SECRET_NAME = re.compile(
    r"(?i)(key|token|secret|passw|pwd|credential|auth|private|signature|cert|session)"
)
# A long run of token characters with both letters and digits: an API key, a JWT, ...
_TOKEN_VALUE = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_\-+/=.:]{24,}$")
_DEVICE_ID = re.compile(r"^[0-9a-fA-F]{16}$")


@dataclass(frozen=True)
class Variable:
    """A `${NAME}` the export wrote instead of a value; `where` says what it stands for."""

    name: str
    where: str


@dataclass
class ExportedProduct:
    """One product as files: `manifest` (YAML data, in key order) and its code files."""

    name: str
    directory: str  # relative to the project root
    manifest: dict[str, Any]
    code: dict[str, str] = field(default_factory=dict)  # path relative to `directory` -> text
    variables: list[Variable] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    secret_values: dict[str, str] = field(default_factory=dict)  # name -> value; never written


def looks_secret(key: str, value: object) -> bool:
    """Whether an env var is probably a credential (by its name, or its value's shape)."""
    if not isinstance(value, str):
        return False
    if _SECRET_NAME.search(key):
        return True
    if value.startswith(("http://", "https://")):
        return url_has_credentials(value)
    return bool(_TOKEN_VALUE.match(value))


def slug(name: str) -> str:
    """A file-system friendly name: lower case, runs of other characters become `-`."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text or "unnamed"


def var_name(*parts: str) -> str:
    """`weather station`, `prod`, `API_KEY` -> `WEATHER_STATION_PROD_API_KEY`."""
    text = re.sub(r"[^A-Z0-9]+", "_", "_".join(parts).upper()).strip("_") or "VALUE"
    return text if not text[0].isdigit() else f"V_{text}"


def literal(value: Any) -> Any:
    """A value as a manifest must spell it: `${` escaped as `$${` (no substitution)."""
    return value.replace("${", "$${") if isinstance(value, str) else value


def unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def read_products(
    client: LiveReader, names: Sequence[str] | None, parallelism: int = 8
) -> tuple[ImpCentralState, list[str], list[str]]:
    """Live state of `names` (every product of the account when None): (state, the names
    found, the names asked for that the account does not have)."""
    found = sorted(str(attrs(p).get("name", "")) for p in client.list_products())
    wanted = found if not names else [n for n in names if n in found]
    missing = [n for n in names or () if n not in found]
    return read_live(client, wanted, parallelism=parallelism), wanted, missing


def export_product(
    state: ImpCentralState, product: str, directory: str, taken_vars: set[str]
) -> ExportedProduct:
    """Translate one live product of `state` into manifest data and code files."""
    res = state.resources[f"product/{product}"]
    assert isinstance(res, Product)
    out = ExportedProduct(product, directory, {"product": product})
    if res.description:
        out.manifest["description"] = literal(res.description)
    groups = sorted(
        (
            r
            for r in state.resources.values()
            if isinstance(r, DeviceGroup) and r.product == product
        ),
        key=lambda g: (g.order_rank(), g.name),
    )
    code_names: set[str] = set()
    out.manifest["device_groups"] = {
        g.name: _group(state, g, out, code_names, taken_vars) for g in groups
    }
    return out


def _secret(out: ExportedProduct, taken: set[str], value: str, where: str, *parts: str) -> str:
    name = var_name(*parts)
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}_{n}", n + 1
    taken.add(candidate)
    out.variables.append(Variable(candidate, where))
    out.secret_values[candidate] = value
    return f"${{{candidate}}}"


def _group(
    state: ImpCentralState,
    g: DeviceGroup,
    out: ExportedProduct,
    code_names: set[str],
    taken_vars: set[str],
) -> dict[str, Any]:
    data: dict[str, Any] = {"type": g.type.value}
    if g.description:
        data["description"] = literal(g.description)
    for target in ("production_target", "dut_target"):
        value = getattr(g, target)
        if value is None:
            continue
        if value.startswith("id:"):
            out.warnings.append(
                f"{g.address}: {target} is a group outside the product; not exportable"
            )
            continue
        data[target] = value
    if g.region is not None:
        data["region"] = literal(g.region)
    if g.load_code_after_blessing is not None:
        data["load_code_after_blessing"] = g.load_code_after_blessing
    if g.env_vars:
        env: dict[str, Any] = {}
        for key, value in sorted(g.env_vars.items()):
            if looks_secret(key, value):
                where = f"env var {key} of group {g.name!r} in product {g.product!r}"
                env[key] = _secret(out, taken_vars, str(value), where, g.product, g.name, key)
            else:
                env[key] = literal(value)
        data["env_vars"] = env
    dep = state.resources.get(f"deployment/{g.product}/{g.name}")
    if isinstance(dep, Deployment):
        data["code"], data["deployment"] = _code(dep, out, code_names)
        if not data["deployment"]:
            del data["deployment"]
    devices = state.resources.get(f"devices/{g.product}/{g.name}")
    if g.type in _ASSIGNABLE and isinstance(devices, DeviceAssignment):
        data["devices"] = [_device_ref(state, d) for d in devices.devices]
    hooks = [
        r
        for r in state.resources.values()
        if isinstance(r, Webhook) and r.product == g.product and r.group == g.name
    ]
    if hooks:
        data["webhooks"] = [_webhook(h, out, taken_vars) for h in sorted(hooks, key=_hook_key)]
    return data


def _hook_key(h: Webhook) -> tuple[str, str]:
    return (h.event, h.url)


def _webhook(h: Webhook, out: ExportedProduct, taken_vars: set[str]) -> dict[str, Any]:
    url = literal(h.url)
    if url_has_credentials(h.url):
        where = f"{h.event} webhook URL of group {h.group!r} in product {h.product!r}"
        url = _secret(out, taken_vars, h.url, where, h.product, h.group, h.event, "HOOK_URL")
    return {"event": h.event, "url": url, "content_type": h.content_type}


def _device_ref(state: ImpCentralState, device_id: str) -> str:
    """The device id, or its MAC when the id is not in a form manifests accept."""
    if _DEVICE_ID.match(device_id):
        return device_id
    device = state.devices.get(device_id)
    return device.mac_address if device and device.mac_address else device_id


def _code(
    dep: Deployment, out: ExportedProduct, code_names: set[str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """The `code:` paths (files added to `out.code`) and `deployment:` settings of a group."""
    stem = unique(slug(dep.group), code_names)
    code: dict[str, str] = {}
    sides = [("agent", dep.agent_code), ("device", dep.device_code)]
    # An empty side is omitted (it deploys as ""), unless both are empty: `code: {}` is invalid.
    chosen = [(s, text) for s, text in sides if text] or sides
    for side, text in chosen:
        path = f"src/{stem}.{side}.nut"
        out.code[path] = text
        code[side] = path
    settings: dict[str, Any] = {}
    if dep.description:
        settings["description"] = literal(dep.description)
    tags = sorted(set(dep.tags) - {IMPOPS_TAG})
    if tags:
        settings["tags"] = tags
    if dep.flagged:
        settings["flagged"] = True
    if dep.min_supported:
        settings["min_supported"] = True
    return code, settings


def product_names(state: ImpCentralState) -> Iterable[str]:
    return sorted(r.product for r in state.resources.values() if isinstance(r, Product))
