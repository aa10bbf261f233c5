"""Subcommands of the `impops` CLI, one module each; see `impops.cli` for the contract."""

from __future__ import annotations

from types import ModuleType

from impops.commands import (
    apply,
    build,
    comment,
    demo,
    drift,
    emulator,
    export,
    plan,
    schema,
    show,
    unlock,
    validate,
)

# Order here is the order in `impops --help`. Each module exposes register(subparsers).
COMMAND_MODULES: list[ModuleType] = [
    validate,
    plan,
    show,
    apply,
    drift,
    build,
    export,
    unlock,
    comment,
    demo,
    emulator,
    schema,
]
