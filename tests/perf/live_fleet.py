"""A seeded fleet for the live-read request tests, and the emulator's calls by endpoint."""

from __future__ import annotations

from collections import Counter
from typing import Any

from impops.emulator import EmulatorServer
from impops.providers.impcentral.api.client import ImpCentralClient

LOGIN_KEY = "0123456789abcdef"


def seed(client: ImpCentralClient, products: int, groups: int, history: int) -> list[str]:
    names = [f"p{p}" for p in range(products)]
    for name in names:
        pid = client.create_product(name)["id"]
        for g in range(groups):
            group = client.create_device_group(pid, "development_devicegroup", {"name": f"g{g}"})
            for h in range(history):
                code = f"// {name} g{g} r{h}\n"
                attributes = {"agent_code": code, "device_code": code}
                client.create_deployment(group["id"], group["type"], attributes)
            client.create_webhook(
                group["id"],
                group["type"],
                {
                    "event": "deployment",
                    "url": f"https://h.example.com/{name}/{g}",
                    "content_type": "application/json",
                },
            )
    return names


def calls(emulator: EmulatorServer) -> Counter[str]:
    data: Any = emulator.admin("GET", "requests")
    found: Counter[str] = Counter()
    for e in data["requests"]:
        path = str(e["path"])
        if "/auth" in path or "/_emulator" in path:
            continue
        query = str(e.get("query", ""))
        scoped = "product.id" in query or "devicegroup.owner.id" in query
        found[f"{e['method']} {path}{' (per product)' if scoped else ''}"] += 1
    return found
