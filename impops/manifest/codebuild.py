"""Builder preprocessing of group code while the manifests load (docs/builder.md).

A group whose `code:` (or the project's `defaults.code`) turns `builder` on has both sides
preprocessed here, at load time, so that `validate` reports Builder errors and `@error` at the
*source* file, line and column together with every other problem, and the desired state is
built from code that is known to build. One `GitHubResolver` serves the whole run, so every
group that includes the same `github:` ref gets the same commit. Builds are cached per (file,
settings): a file shared by several groups is built, and its problems reported, once.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from impops import redact
from impops.builder import BuildError, BuildProblem, GitHubResolver, SourceRef, build_file
from impops.errors import ManifestProblem, SourcePosition
from impops.manifest.limits import MAX_CODE_BYTES
from impops.manifest.models import BuilderSettings, BuilderValue, Code, DeviceGroupManifest
from impops.manifest.variables import Substituted
from impops.manifest.yaml import LoadedYaml, PathKey, PositionMap, dotted

SIDES = ("agent", "device")


@dataclass(frozen=True)
class BuilderConfig:
    """The Builder settings a group's code is built with, defaults already merged in."""

    variables: Mapping[str, BuilderValue]
    line_control: bool
    secrets: frozenset[str]  # names of variables whose values came from ${VAR} or !secret


@dataclass(frozen=True)
class BuiltCode:
    """One side's built code and where each part of it came from."""

    code: str
    sources: tuple[SourceRef, ...]
    line_map: tuple[tuple[str, int], ...]  # (source name, line) per line of `code`


def builder_config(
    default: bool | BuilderSettings | None,
    code: Code,
    sensitive: frozenset[str],
) -> BuilderConfig | None:
    """The settings `code` is built with, or None when Builder is off for it.

    The group's `builder` wins over the project default; `true` keeps the default's settings;
    variables merge name by name (group over default). `sensitive` are secret variable names.
    """
    choice = code.builder if code.builder is not None else default
    if choice is None or choice is False:
        return None
    base = default if isinstance(default, BuilderSettings) else BuilderSettings()
    own = code.builder if isinstance(code.builder, BuilderSettings) else BuilderSettings()
    variables = {**base.variables, **own.variables}
    line_control = own.line_control if own.line_control is not None else base.line_control
    return BuilderConfig(variables, bool(line_control), sensitive & set(variables))


@dataclass
class CodeBuilder:
    """Builds every Builder-enabled code side of a run; collects problems and warnings."""

    root: Path  # the manifest root: pleasebuild's working directory, base of source names
    env: Mapping[str, str]
    default: bool | BuilderSettings | None = None  # impops.yaml `defaults.code.builder`
    built: dict[tuple[str, str, str], BuiltCode] = field(
        default_factory=dict
    )  # product, group, side
    problems: list[ManifestProblem] = field(default_factory=list)
    warnings: list[ManifestProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # local sources read
    _github: GitHubResolver | None = None
    _cache: dict[tuple[object, ...], BuiltCode | None] = field(default_factory=dict)

    @property
    def github(self) -> GitHubResolver:
        """The run's one resolver, configured from the run's environment."""
        if self._github is None:
            token = self.env.get("IMPOPS_GITHUB_TOKEN") or self.env.get("GITHUB_TOKEN") or ""
            redact.register(token)
            self._github = GitHubResolver(
                base_url=self.env.get("IMPOPS_GITHUB_API_URL") or None, token=token
            )
        return self._github

    def build_product(
        self,
        product: str | None,
        product_file: Path,
        groups: Mapping[str, DeviceGroupManifest],
        read: Mapping[Path, str],
        loaded: LoadedYaml,
        resolved: Substituted,
        located: Mapping[str, Path] | None = None,
    ) -> None:
        """Build every Builder-enabled side of a product's groups whose file was read (`read`).

        A group with an unresolved or unreadable value under `code:` is skipped: that problem
        is reported already. `located` maps code paths as written to the files the checks
        resolved them to (others are resolved here).
        """
        located = located or {}
        positions, sensitive = loaded.positions, resolved.sensitive
        unresolved = resolved.unresolved | loaded.broken
        for name, group in groups.items():
            base: PathKey = ("device_groups", name, "code")
            if group.code is None or any(p[: len(base)] == base for p in unresolved):
                continue
            config = builder_config(
                self.default, group.code, secret_variable_names(sensitive, name)
            )
            for side in SIDES if config is not None else ():
                rel = getattr(group.code, side)
                path = (located.get(rel) or (product_file.parent / rel).resolve()) if rel else None
                if config is None or path is None or path not in read:
                    continue
                built = self.build(path, config, (*base, side), positions)
                if built is not None and product is not None:
                    self.built[(product, name, side)] = built

    def build(
        self, path: Path, config: BuilderConfig, key: PathKey, positions: PositionMap
    ) -> BuiltCode | None:
        """Build the code file at `path` (resolved, already read and checked); None on failure.

        `key` is the manifest path of the code side (`device_groups.X.code.device`): problems
        without a source line are reported there.
        """
        cache_key = (
            path,
            config.line_control,
            tuple(sorted((name, repr(value)) for name, value in config.variables.items())),
            config.secrets,
        )
        if cache_key in self._cache:
            return self._cache[cache_key]
        where = positions.value(key)
        built: BuiltCode | None = None
        try:
            result = build_file(
                path,
                variables=dict(config.variables),
                line_control=config.line_control,
                github=self.github,
                root=self.root,
                secrets=config.secrets,
            )
        except BuildError as exc:
            self.problems.extend(self._problem(p, key, where) for p in exc.problems)
            self.warnings.extend(self._problem(w, key, where) for w in exc.warnings)
        else:
            self.warnings.extend(self._problem(w, key, where) for w in result.warnings)
            built = BuiltCode(result.code, result.sources, result.line_map)
            self._check(built, key, where)
        self._cache[cache_key] = built
        return built

    def _check(self, built: BuiltCode, key: PathKey, where: SourcePosition) -> None:
        """Sources outside the manifest directory and oversized output are problems."""
        for source in built.sources:
            if source.commit is not None:
                continue
            if Path(source.name).is_absolute():
                message = f"includes {source.name}, outside the manifest directory"
                self.problems.append(ManifestProblem(where, dotted(key), message))
            else:
                self.files.append(self.root / source.name)
        if len(built.code.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
            limit = MAX_CODE_BYTES // (1024 * 1024)
            message = f"the built code is larger than {limit} MiB"
            self.problems.append(ManifestProblem(where, dotted(key), message))

    def _problem(
        self, problem: BuildProblem, key: PathKey, where: SourcePosition
    ) -> ManifestProblem:
        """A Builder problem at its source position (the manifest's code key when unknown)."""
        if problem.line <= 0:
            return ManifestProblem(where, dotted(key), f"{problem.file}: {problem.message}")
        position = SourcePosition(problem.file, problem.line, max(problem.column, 1))
        return ManifestProblem(position, dotted(key), problem.message)


def secret_variable_names(sensitive: Collection[PathKey], group: str) -> frozenset[str]:
    """Builder variable names of `group` whose values are sensitive (${VAR} or !secret)."""
    prefix = ("device_groups", group, "code", "builder", "variables")
    return frozenset(str(p[len(prefix)]) for p in sensitive if p[: len(prefix)] == prefix)
