"""The device registry's input: which devices must exist as Mnubo objects, of which type.

Providers cannot import each other, so the CLI (`impops.commands.common`) builds these
entries from impCentral's desired and live state and hands them to the Mnubo session.
"""

from __future__ import annotations

from dataclasses import dataclass

from impops.providers.mnubo.model import PRODUCTION, SANDBOX


@dataclass(frozen=True, order=True)
class RegistryEntry:
    """One device: its agent id (Mnubo's `x_device_id`), the object type, the zone."""

    agent_id: str
    object_type: str
    zone: str


def zone_for_group(group_type: str) -> str:
    """Production groups' devices are production objects; every other group's (development,
    pre_production, fixtures, DUTs) live in the sandbox."""
    return PRODUCTION if group_type == "production" else SANDBOX
