"""Manifests -> desired `ImpCentralState`: the resources impops wants impCentral to hold.

Pure translation of a validated `Project` (no I/O: code texts were read, checked and, where
Builder is on, built at load).
Each resource carries the `SourcePosition` of its declaration and the field paths whose values
are sensitive (they came from `${VAR}` or `!secret`).
"""

from __future__ import annotations

from dataclasses import asdict

from impops.manifest import DeploymentSettings, DeviceGroupManifest, Project
from impops.manifest.loader import ProductSource
from impops.manifest.models import Code
from impops.manifest.validate import normalize_device_ref
from impops.manifest.yaml import PathKey
from impops.providers.impcentral.model import (
    IMPOPS_TAG,
    CodeSource,
    Deployment,
    DeviceAssignment,
    DeviceGroup,
    GroupType,
    ImpCentralState,
    Product,
    RestartMode,
    Webhook,
)
from impops.providers.impcentral.renames import with_previous_names


def build_desired(project: Project) -> ImpCentralState:
    """Translate every managed product of `project` into canonical resources."""
    state = ImpCentralState()
    for manifest in project.products:
        source = project.sources[manifest.product]
        name = manifest.product
        state.add(
            Product(
                product=name,
                description=manifest.description,
                sensitive=_fields(source, (), {("description",): "description"}),
                source=source.positions.value(("product",)),
            )
        )
        for group_name, group in manifest.device_groups.items():
            _add_group(state, project, source, name, group_name, group)
    return with_previous_names(state, project)


def _fields(source: ProductSource, base: PathKey, mapping: dict[PathKey, str]) -> frozenset[str]:
    """Resource field paths whose manifest paths (relative to `base`) are sensitive.

    A mapping value ending in `.*` takes the next manifest path part as the last field part
    (`env_vars.*` -> `env_vars.API_KEY`).
    """
    found: set[str] = set()
    for path in source.sensitive:
        if path[: len(base)] != base:
            continue
        rest = path[len(base) :]
        for prefix, fld in mapping.items():
            if rest[: len(prefix)] == prefix:
                if fld.endswith(".*"):
                    found.add(f"{fld[:-2]}.{rest[len(prefix)]}")
                else:
                    found.add(fld)
    return frozenset(found)


def _add_group(
    state: ImpCentralState,
    project: Project,
    source: ProductSource,
    product: str,
    name: str,
    group: DeviceGroupManifest,
) -> None:
    base: PathKey = ("device_groups", name)
    positions = source.positions
    state.add(
        DeviceGroup(
            product=product,
            name=name,
            type=GroupType(group.type),
            description=group.description,
            production_target=group.production_target,
            dut_target=group.dut_target,
            env_vars=dict(group.env_vars),
            region=group.region,
            load_code_after_blessing=group.load_code_after_blessing,
            sensitive=_fields(
                source,
                base,
                {
                    ("description",): "description",
                    ("env_vars",): "env_vars.*",
                    ("region",): "region",
                },
            ),
            source=positions.key(base),
        )
    )
    if group.code is not None:
        settings = _merge(project.defaults, group.deployment)
        agent, agent_origins, agent_sources = _code(project, product, name, group.code, "agent")
        device, device_origins, device_sources = _code(project, product, name, group.code, "device")
        state.add(
            Deployment(
                product=product,
                group=name,
                agent_code=agent,
                device_code=device,
                sources=agent_sources + device_sources,
                agent_origins=agent_origins,
                device_origins=device_origins,
                description=settings.description or "",
                tags=tuple(sorted({*(settings.tags or ()), IMPOPS_TAG})),
                flagged=bool(settings.flagged),
                min_supported=settings.min_supported,
                restart=RestartMode(settings.restart or "none"),
                origin=f"impops:{source.file}",
                sensitive=_fields(
                    source,
                    base,
                    {("deployment", "description"): "description", ("deployment", "tags"): "tags"},
                ),
                source=positions.key((*base, "code")),
            )
        )
    if group.devices is not None:
        state.add(
            DeviceAssignment(
                product=product,
                group=name,
                devices=tuple(sorted({normalize_device_ref(ref) for ref in group.devices})),
                sensitive=_fields(source, base, {("devices",): "devices"}),
                source=positions.key((*base, "devices")),
            )
        )
    for index, hook in enumerate(group.webhooks):
        path = (*base, "webhooks", index)
        state.add(
            Webhook(
                product=product,
                group=name,
                event=hook.event,
                url=hook.url,
                content_type=hook.content_type,
                sensitive=_fields(source, path, {("url",): "url"}),
                source=positions.value(path),
            )
        )


def _code(
    project: Project, product: str, group: str, code: Code, side: str
) -> tuple[str, tuple[tuple[str, int], ...], tuple[CodeSource, ...]]:
    """A side's code as deployed: built by Builder when it is on for the group (then with the
    origin of each line and the sources read), else the file as it is ("" when omitted)."""
    built = project.built.get((product, group, side))
    if built is not None:
        sources = tuple(CodeSource(side=side, **asdict(ref)) for ref in built.sources)
        return built.code, built.line_map, sources
    rel = getattr(code, side)
    return (project.code_text(product, rel) if rel else ""), (), ()


def _merge(defaults: DeploymentSettings, group: DeploymentSettings) -> DeploymentSettings:
    """Group deployment settings over the project defaults, field by field."""
    values = defaults.model_dump(exclude_none=True)
    values.update(group.model_dump(exclude_none=True))
    return DeploymentSettings.model_validate(values)
