"""Moves: a device leaving one managed group for another is one reassignment, never two steps.

impCentral reassigns a device that is assigned elsewhere when it is assigned to a new group
(reference 3.4), so a move needs only the receiving group's assign. Unassigning it first
would leave it in no group if the assign then failed. The rules:

* plan: both device-set changes say what moves where (`annotate`), so the plan shows a move;
* apply: a group never unassigns a device another declared group wants (it leaves with that
  group's assign), and the re-read before a device-set write ignores devices in flight, so
  the order of the two groups' steps does not matter (`in_flight`).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from impops.providers.impcentral.model import DeviceAssignment, ImpCentralState, Kind

if TYPE_CHECKING:
    from impops.providers.impcentral.diff import _Differ


def wanted_elsewhere(desired: ImpCentralState, live: ImpCentralState, address: str) -> set[str]:
    """Device ids that declared device sets other than `address` want."""
    found: set[str] = set()
    for other in desired.of_kind(Kind.DEVICES):
        if other.address == address or not isinstance(other, DeviceAssignment):
            continue
        for ref in other.devices:
            device = live.find_device(ref)
            if device is not None:
                found.add(device.id)
    return found


def in_flight(
    desired: ImpCentralState, live: ImpCentralState, address: str, wanted: set[str]
) -> set[str]:
    """Devices a move may have taken from, or brought to, this group meanwhile: those other
    declared groups want, and those this group wants that were in a group when planned."""
    incoming = {d for d in wanted if (dev := live.devices.get(d)) is not None and dev.group_address}
    return wanted_elsewhere(desired, live, address) | incoming


def _group(address: str) -> str:
    return address.split("/", 2)[2] if address.count("/") >= 2 else address


def annotate(d: _Differ) -> None:
    """Notes on device-set changes that receive or give away devices in a move."""
    origin: dict[str, str] = {}  # device id -> live group address, as the differ sees it
    for gaddr, ids in d.group_devices.items():
        for device_id in ids:
            origin[device_id] = gaddr
    arriving: dict[str, dict[str, list[str]]] = {}  # to address -> from group -> ids
    for change in d.changes:
        after = change.after
        if change.kind != Kind.DEVICES or not isinstance(after, DeviceAssignment):
            continue
        before = (
            set(change.before.devices) if isinstance(change.before, DeviceAssignment) else set()
        )
        group_addr = f"devicegroup/{after.product}/{after.group}"
        for device_id in sorted(set(after.devices) - before):
            source = origin.get(device_id)
            if source and source != group_addr:
                arriving.setdefault(change.address, {}).setdefault(source, []).append(device_id)
    leaving: dict[str, list[str]] = {}  # from group address -> "id → group" parts
    for to, sources in arriving.items():
        for source, ids in sources.items():
            leaving.setdefault(source, []).extend(f"{i} → {_group(to)}" for i in ids)
    for index, change in enumerate(d.changes):
        if change.kind != Kind.DEVICES:
            continue
        parts = []
        for source, ids in sorted(arriving.get(change.address, {}).items()):
            parts.append(f"move here from {_group(source)}: {', '.join(ids)}")
        res = change.after or change.before
        assert isinstance(res, DeviceAssignment)
        gone = leaving.get(f"devicegroup/{res.product}/{res.group}")
        if gone:
            parts.append(f"move away (reassigned there, never unassigned): {', '.join(gone)}")
        if parts:
            note = "; ".join(parts) + " (one reassignment each)"
            d.changes[index] = dataclasses.replace(change, note=note)
