"""Subcommands of the `impops` CLI, one module each; see `impops.cli` for the contract."""

from __future__ import annotations

from types import ModuleType

from impops.commands import (
    apply,
    comment,
    demo,
    drift,
    emulator,
    export,
    plan,
    schema,
    unlock,
    validate,
)

# Order here is the order in `impops --help`. Each module exposes register(subparsers).
COMMAND_MODULES: list[ModuleType] = [
    validate,
    plan,
    apply,
    drift,
    export,
    unlock,
    comment,
    demo,
    emulator,
    schema,
]
