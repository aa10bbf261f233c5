"""`load_project`: read `impops.yaml` and every product file, validate all, report all at once.

The pipeline per file is: read YAML with positions -> substitute variables (product files) ->
validate against the pydantic models -> cross-field checks -> code files. Problems from every
stage and every file are collected, and one `ManifestError` carries them all; a `Project` is
returned only when there are none.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from impops.engine.safety import SafetyThresholds
from impops.errors import ManifestError, ManifestProblem, SourcePosition
from impops.manifest.codebuild import BuiltCode, CodeBuilder
from impops.manifest.mnubo import MnuboModel, load_mnubo
from impops.manifest.models import (
    MAX_TAGS_TOTAL,
    DeploymentSettings,
    DeviceGroupManifest,
    ProductManifest,
    ProjectManifest,
)
from impops.manifest.problems import problems_from
from impops.manifest.productfiles import PROJECT_FILE, product_files
from impops.manifest.validate import (
    ProductCheck,
    check_previous_product_names,
    check_product,
    tags_total,
)
from impops.manifest.variables import substitute
from impops.manifest.yaml import PathKey, PositionMap, dotted, read_yaml

# Dropping a faulty target would turn one problem into two ("needs a production_target").
_NOT_DROPPABLE = frozenset({"type", "production_target", "dut_target"})


@dataclass(frozen=True)
class ProductSource:
    """Where a product was declared: its file, positions and sensitive value paths."""

    file: str  # relative to the manifest root, `/`-separated
    path: Path  # absolute
    positions: PositionMap
    sensitive: frozenset[PathKey]
    code_paths: Mapping[str, Path] = field(default_factory=dict)  # code path as written -> file


@dataclass(frozen=True)
class Project:
    """A loaded, fully valid manifest tree."""

    root: Path
    endpoint: str | None
    prune: bool
    products: tuple[ProductManifest, ...]
    product_names: tuple[str, ...]  # managed products: declared ones, then retired ones
    safety: Mapping[str, SafetyThresholds]
    files: tuple[Path, ...]
    sources: Mapping[str, ProductSource] = field(default_factory=dict)  # by product name
    code: Mapping[Path, str] = field(default_factory=dict)  # resolved path -> text
    defaults: DeploymentSettings = field(default_factory=DeploymentSettings)
    project_positions: PositionMap | None = None
    mnubo: MnuboModel | None = None  # the Mnubo model file, when `mnubo:` names one
    built: Mapping[tuple[str, str, str], BuiltCode] = field(default_factory=dict)  # Builder
    warnings: tuple[ManifestProblem, ...] = ()  # Builder `@warning`s and duplicate includes

    def code_text(self, product: str, rel: str) -> str:
        """The text of a code file named `rel` in `product`'s file (validated at load)."""
        source = self.sources[product]
        path = source.code_paths.get(rel)
        return self.code[path if path is not None else (source.path.parent / rel).resolve()]


@dataclass(frozen=True)
class ProjectHeader:
    """What `impops.yaml` alone tells: the endpoint it names and how many product files."""

    endpoint: str | None
    product_files: int


@dataclass
class _Run:
    root: Path
    env: Mapping[str, str]
    problems: list[ManifestProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    builder: CodeBuilder | None = None


def load_project(
    root: str | Path,
    env: Mapping[str, str] | None = None,
    on_header: Callable[[ProjectHeader], None] | None = None,
) -> Project:
    """Load and validate the manifests under `root`; raise `ManifestError` with every problem.

    `env` supplies `${VAR}` values (default: `os.environ`); the project's `vars:` are fallbacks.
    `on_header`, when given, is told the endpoint and the number of product files as soon as
    a valid `impops.yaml` has been read, before the product files are (the CLI starts the
    live read's account-wide lists then; see `providers/impcentral/prefetch.py`).
    """
    run = _Run(Path(root), os.environ if env is None else env)
    start = SourcePosition(PROJECT_FILE, 1, 1)
    if not run.root.is_dir():
        raise ManifestError(
            [ManifestProblem(start, "", f"manifest directory not found: {run.root}")]
        )
    run.root = run.root.resolve()
    project_path = run.root / PROJECT_FILE
    if not project_path.is_file():
        message = f"no {PROJECT_FILE} in {run.root} (the project file; see docs/manifests.md)"
        raise ManifestError([ManifestProblem(start, "", message)])
    if not project_path.resolve().is_relative_to(run.root):
        message = f"{PROJECT_FILE} is a symlink to outside the manifest directory"
        raise ManifestError([ManifestProblem(start, "", message)])
    run.files.append(project_path)
    loaded, problems = read_yaml(project_path, PROJECT_FILE)
    run.problems.extend(problems)
    if loaded is None:
        raise ManifestError(run.problems)
    project = _validate_project(run, loaded.data, loaded.positions, loaded.broken)
    default = project.defaults.code.builder if project else None
    run.builder = builder = CodeBuilder(run.root, run.env, default)
    raw = loaded.data
    entries = _str_list(project.products if project else raw.get("products"))
    raw_vars = raw.get("vars")
    defaults = {
        str(k): str(v)
        for k, v in (raw_vars.items() if isinstance(raw_vars, dict) else ())
        if isinstance(v, str | int | float) and not isinstance(v, bool)
    }
    paths = product_files(run.root, entries, loaded.positions, run.problems)
    if on_header is not None and project is not None and not run.problems:
        on_header(ProjectHeader(project.endpoint, len(paths)))
    products: list[tuple[ProductManifest, ProductSource]] = []
    code: dict[Path, str] = {}
    device_refs: list[tuple[str, ManifestProblem]] = []
    declared: dict[str, SourcePosition] = {}
    for path in paths:
        result = _load_product(run, path, defaults, code, device_refs)
        if result is None:
            continue
        name, position, manifest = result
        if name in declared:
            run.problems.append(
                ManifestProblem(
                    position, "product", f"product `{name}` is also declared at {declared[name]}"
                )
            )
        else:
            declared[name] = position
        if manifest is not None:
            products.append(manifest)
    _check_device_refs(run, device_refs)
    retired = list(project.retired_products) if project else []
    for index, name in enumerate(retired):
        if name in declared:
            run.problems.append(
                ManifestProblem(
                    loaded.positions.value(("retired_products", index)),
                    f"retired_products[{index}]",
                    f"product `{name}` is retired but still declared at {declared[name]}",
                )
            )
    run.problems += check_previous_product_names([(m, s.positions) for m, s in products])
    mnubo = _load_mnubo(run, project, loaded.positions, products)
    run.problems.extend(builder.problems)
    listed = set(run.files)  # a set: a list scan per Builder source made this quadratic
    run.files.extend(dict.fromkeys(f for f in builder.files if f not in listed))
    if run.problems or project is None:
        raise ManifestError(run.problems)
    names = tuple(m.product for m, _ in products) + tuple(dict.fromkeys(retired))
    return Project(
        root=run.root,
        endpoint=project.endpoint,
        prune=project.prune,
        products=tuple(m for m, _ in products),
        product_names=names,
        safety={name: _safety(project, products, name) for name in names},
        files=tuple(run.files),
        sources={m.product: s for m, s in products},
        code=code,
        defaults=project.defaults.deployment,
        project_positions=loaded.positions,
        mnubo=mnubo,
        built=builder.built,
        warnings=tuple(dict.fromkeys(builder.warnings)),
    )


def _load_mnubo(
    run: _Run,
    project: ProjectManifest | None,
    positions: PositionMap,
    products: list[tuple[ProductManifest, ProductSource]],
) -> MnuboModel | None:
    """The Mnubo model file, and every group's `mnubo_object_type` checked against it."""
    model = None
    if project is not None and project.mnubo is not None:
        model, problems, path = load_mnubo(run.root, project.mnubo, positions.value(("mnubo",)))
        run.problems.extend(problems)
        if path is not None and path.is_file():
            run.files.append(path)
    declared = set(model.manifest.object_types) if model else set()
    for manifest, source in products:
        for name, group in manifest.device_groups.items():
            wanted = group.mnubo_object_type
            if wanted is None or (model is not None and wanted in declared):
                continue
            if project is not None and project.mnubo is not None and model is None:
                continue  # the model file itself is broken: reported already
            key = ("device_groups", name, "mnubo_object_type")
            why = (
                f"object type `{wanted}` is not declared in {model.file}"
                if model is not None
                else "names a Mnubo object type, but impops.yaml has no `mnubo:` model file"
            )
            run.problems.append(ManifestProblem(source.positions.value(key), dotted(key), why))
    return model


def _validate_project(
    run: _Run, data: Any, positions: PositionMap, broken: set[PathKey]
) -> ProjectManifest | None:
    project: ProjectManifest | None = None
    try:
        project = ProjectManifest.model_validate(data)
    except ValidationError as exc:
        # A value already reported as unreadable (a misfit tag) is not reported twice.
        skip = {dotted(path) for path in broken}
        found = problems_from(exc, ProjectManifest, data, positions)
        run.problems.extend(p for p in found if p.key not in skip)
    endpoint = data.get("endpoint")
    if isinstance(endpoint, str) and not _is_http_url(endpoint):
        run.problems.append(
            ManifestProblem(
                positions.value(("endpoint",)), "endpoint", "must be an http(s) URL with a host"
            )
        )
    tags = project.defaults.deployment.tags if project else None
    if tags is not None and tags_total(tags) > MAX_TAGS_TOTAL:
        path = ("defaults", "deployment", "tags")
        run.problems.append(
            ManifestProblem(
                positions.key(path), dotted(path), f"tags exceed {MAX_TAGS_TOTAL} characters"
            )
        )
    return project


def _is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. `http://[x`: an unclosed IPv6 bracket
        return False


def _str_list(value: Any) -> list[str | None]:
    if not isinstance(value, list):
        return []
    return [item if isinstance(item, str) else None for item in value]


def _load_product(
    run: _Run,
    path: Path,
    defaults: Mapping[str, str],
    code: dict[Path, str],
    device_refs: list[tuple[str, ManifestProblem]],
) -> tuple[str, SourcePosition, tuple[ProductManifest, ProductSource] | None] | None:
    """Load one product file; returns (name, position of the name, manifest or None)."""
    file = path.relative_to(run.root).as_posix()
    run.files.append(path)
    loaded, problems = read_yaml(path, file)
    run.problems.extend(problems)
    if loaded is None:
        return None
    resolved = substitute(loaded.data, loaded.positions, loaded.secret_paths, run.env, defaults)
    run.problems.extend(resolved.problems)
    data = resolved.data
    later: list[ManifestProblem] = []
    manifest: ProductManifest | None = None
    try:
        manifest = ProductManifest.model_validate(data)
    except ValidationError as exc:
        later.extend(problems_from(exc, ProductManifest, data, loaded.positions))
    raw_groups = data.get("device_groups")
    raw_groups = raw_groups if isinstance(raw_groups, dict) else {}
    groups = manifest.device_groups if manifest else _valid_groups(raw_groups)
    check = ProductCheck(file, path, run.root, loaded.positions, raw_groups, groups)
    check_product(check)
    later.extend(check.problems)
    # A value with an unresolved ${VAR} was reported once; do not also report what it breaks.
    unresolved = {dotted(p) for p in resolved.unresolved | loaded.broken}
    run.problems.extend(p for p in later if p.key not in unresolved)
    device_refs.extend(check.devices)
    if run.builder is not None:  # after the checks: only files that were read are built
        name = data.get("product")
        product = name if isinstance(name, str) else None
        located = check.code_paths
        run.builder.build_product(product, path, groups, check.code, loaded, resolved, located)
    for code_path, text in check.code.items():
        if code_path not in code:
            run.files.append(code_path)
        code[code_path] = text
    name = data.get("product")
    if not isinstance(name, str):
        return None
    position = loaded.positions.value(("product",))
    sensitive = frozenset(resolved.sensitive)
    source = ProductSource(file, path, loaded.positions, sensitive, check.code_paths)
    return name, position, ((manifest, source) if manifest is not None else None)


def _valid_groups(raw_groups: Mapping[str, Any]) -> dict[str, DeviceGroupManifest]:
    """Groups that pass the schema once their faulty keys are dropped, so that cross-checks
    still run on the rest of them (their schema errors are already reported)."""
    groups: dict[str, DeviceGroupManifest] = {}
    for name, raw in raw_groups.items():
        if not isinstance(raw, dict):
            continue
        try:
            groups[name] = DeviceGroupManifest.model_validate(raw)
            continue
        except ValidationError as exc:
            faulty = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        if faulty & _NOT_DROPPABLE:
            continue
        try:
            repaired = {k: v for k, v in raw.items() if k not in faulty}
            groups[name] = DeviceGroupManifest.model_validate(repaired)
        except ValidationError:
            continue
    return groups


def _check_device_refs(run: _Run, refs: list[tuple[str, ManifestProblem]]) -> None:
    """A device can sit in one group only, account-wide."""
    first: dict[str, ManifestProblem] = {}
    for ref, where in refs:
        if ref in first:
            prior = first[ref]
            run.problems.append(
                ManifestProblem(
                    where.position,
                    where.key,
                    f"device `{ref}` is already listed at {prior.position} ({prior.key})",
                )
            )
        else:
            first[ref] = where


def _safety(
    project: ProjectManifest,
    products: list[tuple[ProductManifest, ProductSource]],
    name: str,
) -> SafetyThresholds:
    """Built-in defaults <- project `safety:` <- the product's `safety:`, field by field."""
    values: dict[str, Any] = {}
    overrides = [project.safety] + [m.safety for m, _ in products if m.product == name and m.safety]
    for config in overrides:
        for key, value in config.model_dump(exclude_unset=True).items():
            if value is not None or key == "max_devices_affected":
                values[key] = value
    return SafetyThresholds(**values)
