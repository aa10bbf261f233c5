"""Helpers of the adoption tests (conftest puts this folder on sys.path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from e2e_helpers import Result

from impops.providers.impcentral.api.client import ImpCentralClient

Cli = Callable[..., Result]


def devices(client: ImpCentralClient) -> list[str]:
    """Device ids of the account, in a stable order."""
    return sorted(str(d["id"]) for d in client.list_devices())


def group_of(client: ImpCentralClient, device_id: str) -> str | None:
    rel = (client.get_device(device_id).get("relationships") or {}).get("devicegroup")
    return str(rel["id"]) if isinstance(rel, dict) and rel.get("id") else None


def make_group(
    client: ImpCentralClient,
    pid: str,
    gtype: str,
    name: str,
    targets: tuple[dict[str, str] | None, dict[str, str] | None] = (None, None),
    **attributes: Any,
) -> dict[str, Any]:
    return client.create_device_group(
        pid, f"{gtype}_devicegroup", {"name": name, **attributes}, *targets
    )


def ref(doc: dict[str, Any]) -> dict[str, str]:
    return {"type": str(doc["type"]), "id": str(doc["id"])}
