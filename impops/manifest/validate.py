"""Rules the schema alone cannot express: targets, type-specific fields, webhooks, code files.

Each check works on the groups of one product that passed schema validation (plus the raw
group map, so a target naming a group that is itself invalid is not reported as missing), and
reports problems at the position of the offending key or value. Nothing here raises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from impops.errors import ManifestProblem
from impops.manifest.codefiles import CodeLocator, Located, read_at_most
from impops.manifest.limits import MAX_CODE_BYTES, path_text_problem
from impops.manifest.models import MAX_TAGS_TOTAL, DeviceGroupManifest, ProductManifest
from impops.manifest.yaml import PathKey, PositionMap, dotted
from impops.providers.impcentral.model import IMPOPS_TAG, GroupType

_HEX16 = re.compile(r"^[0-9A-Fa-f]{16}$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$")
# impCentral assigns devices of these types itself (blessing, factory BlinkUp); see docs.
_ASSIGNABLE = (GroupType.DEVELOPMENT, GroupType.PRE_FACTORYFIXTURE, GroupType.FACTORYFIXTURE)
_PRODUCTION_EVENTS = ("blessing", "blinkup")


def normalize_device_ref(ref: str) -> str:
    """Device ids and MACs in canonical lowercase form (MACs with `:`); agent ids as written."""
    if _HEX16.match(ref):
        return ref.lower()
    if _MAC.match(ref):
        return ref.lower().replace("-", ":")
    return ref


def tags_total(tags: list[str]) -> int:
    """Characters used by a deployment's tags once de-duplicated and `impops` added."""
    return sum(len(tag) for tag in {*tags, IMPOPS_TAG})


@dataclass
class ProductCheck:
    """Inputs of the per-product checks."""

    file: str  # relative to the manifest root
    product_file: Path  # absolute
    root: Path  # absolute, resolved
    positions: PositionMap
    raw_groups: Mapping[str, Any]
    groups: Mapping[str, DeviceGroupManifest]
    problems: list[ManifestProblem] = field(default_factory=list)
    code: dict[Path, str] = field(default_factory=dict)
    devices: list[tuple[str, ManifestProblem]] = field(default_factory=list)
    code_paths: dict[str, Path] = field(default_factory=dict)  # code path as written -> resolved
    locator: CodeLocator | None = None  # made on first use; may be shared by products

    @cached_property
    def product_dir(self) -> Path:
        """The directory code paths are relative to (asked for once per code file)."""
        return self.product_file.parent

    def locate(self, full: Path) -> Located:
        """Where the code file `full` is (see `CodeLocator.locate`)."""
        if self.locator is None:
            self.locator = CodeLocator(self.root)
        return self.locator.locate(full)

    def at_value(self, path: PathKey, message: str) -> None:
        self.problems.append(ManifestProblem(self.positions.value(path), dotted(path), message))

    def at_key(self, path: PathKey, message: str) -> None:
        self.problems.append(ManifestProblem(self.positions.key(path), dotted(path), message))


# The device group that holds an apply lock (impops.providers.impcentral.lock.LOCK_GROUP).
RESERVED_GROUP_NAME = "impops-lock"


def check_product(check: ProductCheck) -> None:
    """Run every cross-field check of one product; results accumulate on `check`."""
    for name, group in check.groups.items():
        base: PathKey = ("device_groups", name)
        if name == RESERVED_GROUP_NAME:
            check.at_key(base, "this name is reserved for impops' apply lock; choose another")
        gtype = GroupType(group.type)
        _check_previous_names(check, base, name, group.previous_names)
        _check_targets(check, base, gtype, group)
        for fld in ("region", "load_code_after_blessing"):
            if getattr(group, fld) is not None and not gtype.allows_region:
                check.at_key((*base, fld), f"only pre_production and production groups have {fld}")
        _check_webhooks(check, base, gtype, group)
        if group.deployment.tags is not None and tags_total(group.deployment.tags) > MAX_TAGS_TOTAL:
            check.at_key(
                (*base, "deployment", "tags"),
                f"tags exceed {MAX_TAGS_TOTAL} characters in total (with `{IMPOPS_TAG}`)",
            )
        _check_devices(check, base, gtype, group)
        if group.code is not None:
            if group.code.agent is None and group.code.device is None:
                check.at_key((*base, "code"), "name an `agent` and/or a `device` file")
            for side in ("agent", "device"):
                rel = getattr(group.code, side)
                if rel is not None:
                    _check_code_file(check, (*base, "code", side), rel)


def _check_previous_names(
    check: ProductCheck, base: PathKey, name: str, previous: list[str]
) -> None:
    """A previous name is no current group's name and is claimed by one group only: otherwise
    a rename could take another declared group's live object."""
    for index, old in enumerate(previous):
        path = (*base, "previous_names", index)
        if old == name or old in check.groups:
            check.at_value(path, f"`{old}` is the name of a declared group, not a previous one")
            continue
        claims = [g for g, spec in check.groups.items() if old in spec.previous_names]
        if len(claims) > 1 and claims[0] != name:
            check.at_value(path, f"`{old}` is also a previous name of group `{claims[0]}`")


def _check_targets(
    check: ProductCheck, base: PathKey, gtype: GroupType, group: DeviceGroupManifest
) -> None:
    wanted = {
        "production_target": gtype.production_target_type,
        "dut_target": gtype.dut_target_type,
    }
    for fld, want in wanted.items():
        target = getattr(group, fld)
        path = (*base, fld)
        if want is None:
            if target is not None:
                check.at_key(path, f"only fixture groups have targets, not {gtype.value} groups")
            continue
        if target is None:
            check.at_key(
                base, f"{gtype.value} groups need a {fld} (a {want.value} group of this product)"
            )
            continue
        raw = check.raw_groups.get(target)
        if raw is None:
            known = ", ".join(sorted(check.raw_groups)) or "none"
            check.at_value(path, f"no device group `{target}` in this product (groups: {known})")
            continue
        raw_type = raw.get("type") if isinstance(raw, dict) else None
        if isinstance(raw_type, str) and raw_type != want.value:
            check.at_value(
                path,
                f"`{target}` is a {raw_type} group; a {gtype.value} group's {fld} must be a "
                f"{want.value} group",
            )


def _check_webhooks(
    check: ProductCheck, base: PathKey, gtype: GroupType, group: DeviceGroupManifest
) -> None:
    seen: dict[tuple[str, str], int] = {}
    for index, hook in enumerate(group.webhooks):
        path = (*base, "webhooks", index)
        if hook.event in _PRODUCTION_EVENTS and not gtype.allows_region:
            check.at_value(
                (*path, "event"),
                f"{hook.event} webhooks exist only on pre_production and production groups",
            )
        if not _is_http_url(hook.url):
            # Never echo the URL: it may hold a token.
            check.at_value((*path, "url"), "must be an http:// or https:// URL with a host")
        identity = (hook.event, hook.url)
        if identity in seen:
            check.at_key(
                path, f"duplicate webhook: same event and url as webhooks[{seen[identity]}]"
            )
        else:
            seen[identity] = index


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. `]` in the host: an unclosed IPv6 bracket
        return False


def _check_devices(
    check: ProductCheck, base: PathKey, gtype: GroupType, group: DeviceGroupManifest
) -> None:
    if group.devices is None:
        return
    if gtype not in _ASSIGNABLE:
        check.at_key(
            (*base, "devices"),
            f"impCentral assigns {gtype.value} devices itself (blessing / factory BlinkUp); "
            "devices can be managed on development and (pre_)factoryfixture groups only",
        )
        return
    for index, ref in enumerate(group.devices):
        path = (*base, "devices", index)
        problem = ManifestProblem(check.positions.value(path), dotted(path), "")
        check.devices.append((normalize_device_ref(ref), problem))


def _check_code_file(check: ProductCheck, path: PathKey, rel: str) -> None:
    if not rel.strip():
        check.at_value(path, "empty file name")
        return
    unfit = path_text_problem(rel)
    if unfit is not None:
        check.at_value(path, unfit)
        return
    candidate = Path(rel)
    if candidate.is_absolute():
        check.at_value(path, "code paths are relative to the product file")
        return
    full = check.product_dir / candidate
    try:
        found = check.locate(full)
    except (OSError, RuntimeError) as exc:  # a symlink loop, a path the OS refuses
        check.at_value(path, f"cannot resolve the path: {getattr(exc, 'strerror', None) or exc}")
        return
    resolved = found.resolved
    if not found.inside:
        check.at_value(path, "code files must be inside the manifest directory")
        return
    if not found.exists:
        check.at_value(path, f"code file not found: {_shown(resolved, check.root)}")
        return
    if not found.regular:
        check.at_value(path, f"not a regular file: {_shown(resolved, check.root)}")
        return
    check.code_paths[rel] = resolved
    if resolved in check.code:
        return
    try:
        raw = read_at_most(resolved, MAX_CODE_BYTES + 1)
    except OSError as exc:
        check.at_value(path, f"cannot read {_shown(resolved, check.root)}: {exc.strerror}")
        return
    if len(raw) > MAX_CODE_BYTES:
        limit = MAX_CODE_BYTES // (1024 * 1024)
        check.at_value(path, f"{_shown(resolved, check.root)} is larger than {limit} MiB")
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        check.at_value(path, f"{_shown(resolved, check.root)} is not UTF-8 text (byte {exc.start})")
        return
    if "\x00" in text:
        check.at_value(path, f"{_shown(resolved, check.root)} contains NUL bytes (binary?)")
        return
    check.code[resolved] = text


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def check_previous_product_names(
    products: list[tuple[ProductManifest, PositionMap]],
) -> list[ManifestProblem]:
    """A product's previous name is no declared product's name and no other product's
    previous name: a rename must have exactly one live object to take."""
    declared = {m.product for m, _ in products}
    claimed: dict[str, str] = {}
    problems: list[ManifestProblem] = []
    for manifest, positions in products:
        for index, old in enumerate(manifest.previous_names):
            path: PathKey = ("previous_names", index)
            if old in declared:
                message = f"`{old}` is the name of a declared product, not a previous one"
            elif claimed.setdefault(old, manifest.product) != manifest.product:
                message = f"`{old}` is also a previous name of product `{claimed[old]}`"
            else:
                continue
            problems.append(ManifestProblem(positions.value(path), dotted(path), message))
    return problems
