"""Mnubo's part of drift: a read-only view of the clients, and the drift input.

Live state is read through `ReadOnlyMnubo`, which forwards only the list and exists calls,
so a drift run cannot write. The differ runs with pruning on: entities present in the sandbox
but never promoted (reason `not_promoted`), production entities that differ from the
manifests (`zones_differ`) and devices missing as objects (`register_devices`) are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from impops.engine.drift import DriftInput
from impops.providers.mnubo.diff import diff
from impops.providers.mnubo.live import LiveReader
from impops.providers.mnubo.model import MnuboState


class ReadOnlyMnubo:
    """A view of a Mnubo client that can only read."""

    def __init__(self, client: LiveReader) -> None:
        self._client = client
        self.zone = client.zone

    def list_kind(self, kind: str) -> list[dict[str, Any]]:
        return self._client.list_kind(kind)

    def objects_exist(self, device_ids: Sequence[str]) -> dict[str, bool]:
        return self._client.objects_exist(device_ids)


def drift_input(desired: MnuboState, live: MnuboState) -> DriftInput:
    return DriftInput(desired, live, diff)
