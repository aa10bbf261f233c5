"""The provider seam holds: the engine imports no provider, providers don't import each other.

Parsed from the source (no imports executed), so a stray import fails here with its file and
line rather than somewhere far away.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "impops"


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((PACKAGE / folder).rglob("*.py")):
        for line, module in imports_of(path):
            if module.startswith(forbidden):
                bad.append(f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module}")
    return bad


def test_engine_imports_no_provider() -> None:
    forbidden = ("impops.providers", "impops.emulator", "impops.commands", "impops.manifest")
    assert offenders("engine", forbidden) == []
    assert offenders("render", forbidden) == []


def test_providers_do_not_import_each_other() -> None:
    providers = sorted(p.name for p in (PACKAGE / "providers").iterdir() if p.is_dir())
    assert "impcentral" in providers
    for name in providers:
        others = tuple(f"impops.providers.{o}" for o in providers if o != name)
        if others:
            assert offenders(f"providers/{name}", others) == []


def test_providers_and_engine_do_not_import_the_emulator() -> None:
    assert offenders("providers", ("impops.emulator",)) == []
    assert offenders("http", ("impops.emulator", "impops.engine")) == []
