"""Seed data: the default account and devices, the YAML seed format, and device creation.

Devices cannot be created through impCentral (they come from BlinkUp), so seeds and the admin
endpoint are the only way to get them. Seeding is deterministic: ids that a seed leaves out
come from the store's RNG, which is seeded with `rng_seed`.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from impops.emulator.impcentral.jsonapi import Rec, now_iso, rel
from impops.emulator.impcentral.store import Store, set_sort_key

DEFAULT_EMAIL = "operator@example.com"
DEFAULT_USERNAME = "operator"
DEFAULT_PASSWORD = "impops-demo"
DEFAULT_LOGIN_KEY = "0123456789abcdef"
DEFAULT_UNBOND_KEY = "impops-demo-unbond-key"
SEED_TIME = "2026-01-01T00:00:00.000Z"
IMP_TYPES = ("imp001", "imp003", "imp004m", "imp005", "imp006")
SWVERSION = "f3e3c4c - release-43.13 - Mon Jan 15 10:00:00 2024 - production"

_ACCOUNT_KEYS = {
    "id",
    "username",
    "email",
    "password",
    "production",
    "totp_secret",
    "unbond_key",
    "login_keys",
    "devices",
    "generate_devices",
    "products",
}
_DEVICE_KEYS = {
    "id",
    "name",
    "mac_address",
    "imp_type",
    "ip_address",
    "rssi",
    "free_memory",
    "swversion",
    "plan_id",
    "device_online",
    "created_at",
    "logs",
}
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_MAC = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


class SeedError(ValueError):
    """The seed file or admin payload is not in the documented format."""


def load_seed(seed: str | Path | dict[str, Any] | None) -> dict[str, Any]:
    """The seed as a dict: the packaged default, a YAML file, or a dict given directly."""
    if isinstance(seed, dict):
        return seed
    yaml = YAML(typ="safe")
    if seed is None:
        text = resources.files("impops.emulator").joinpath("default_seed.yaml").read_text("utf-8")
    else:
        text = Path(seed).read_text(encoding="utf-8")
    data = yaml.load(text)
    if not isinstance(data, dict):
        raise SeedError("the seed must be a YAML mapping with an 'accounts' list")
    return data


def apply_seed(store: Store, seed: dict[str, Any]) -> None:
    """Reset `store` to the state the seed describes (call with the lock held)."""
    unknown = set(seed) - {"rng_seed", "accounts"}
    if unknown:
        raise SeedError(f"unknown seed keys: {sorted(unknown)}")
    store.clear(int(seed.get("rng_seed", 0)))
    accounts = seed.get("accounts") or []
    if not isinstance(accounts, list):
        raise SeedError("'accounts' must be a list")
    for spec in accounts:
        _seed_account(store, spec)


def _seed_account(store: Store, spec: Any) -> None:
    if not isinstance(spec, dict):
        raise SeedError("each account must be a mapping")
    unknown = set(spec) - _ACCOUNT_KEYS
    if unknown:
        raise SeedError(f"unknown account keys: {sorted(unknown)}")
    for key in ("username", "email", "password"):
        if not isinstance(spec.get(key), str) or not spec[key]:
            raise SeedError(f"account '{key}' must be a non-empty string")
    account_id = str(spec.get("id") or store.new_id())
    production = bool(spec.get("production", False))
    store.add(
        "accounts",
        {
            "type": "account",
            "id": account_id,
            "attributes": {
                "username": spec["username"],
                "email": spec["email"],
                "tier": "enterprise" if production else "free",
                "created_at": SEED_TIME,
                "updated_at": SEED_TIME,
            },
            "relationships": {},
        },
    )
    store.account_auth[account_id] = {
        "password": spec["password"],
        "totp_secret": spec.get("totp_secret"),
        "production": production,
        "unbond_key": str(spec.get("unbond_key") or store.new_hex(16)),
    }
    for key_spec in spec.get("login_keys") or []:
        key_id = str(key_spec.get("id") or store.new_hex(16))
        store.add(
            "login_keys",
            {
                "type": "login_key",
                "id": key_id,
                "_account": account_id,
                "attributes": {
                    "description": key_spec.get("description", ""),
                    "usages": 0,
                    "created_at": SEED_TIME,
                    "updated_at": SEED_TIME,
                },
            },
        )
    for device_spec in spec.get("devices") or []:
        add_device(store, account_id, device_spec)
    for _ in range(int(spec.get("generate_devices") or 0)):
        add_device(store, account_id, {})
    for product_spec in spec.get("products") or []:
        _seed_product(store, account_id, product_spec)


def _seed_product(store: Store, account_id: str, spec: Any) -> None:
    """A product with optional zombie deployments (legacy builds whose group was deleted)."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise SeedError("each product needs a 'name'")
    from impops.emulator.impcentral.resources_deployments import new_deployment

    owner = rel("account", account_id)
    product = store.add(
        "products",
        {
            "type": "product",
            "id": str(spec.get("id") or store.new_id()),
            "attributes": {
                "name": spec["name"],
                "description": spec.get("description", ""),
                "created_at": SEED_TIME,
                "updated_at": SEED_TIME,
            },
            "relationships": {"owner": owner, "creator": owner},
        },
    )
    for dep_spec in spec.get("deployments") or []:
        if not isinstance(dep_spec, dict):
            raise SeedError("each deployment must be a mapping")
        rec = new_deployment(store, account_id, product["id"], None, dep_spec)
        rec["attributes"]["created_at"] = rec["attributes"]["updated_at"] = str(
            dep_spec.get("created_at", SEED_TIME)
        )
        set_sort_key(rec)


def add_device(store: Store, account_id: str, spec: Any) -> Rec:
    """Create an unassigned device owned by `account_id` from a seed/admin device spec."""
    if not isinstance(spec, dict):
        raise SeedError("each device must be a mapping")
    unknown = set(spec) - _DEVICE_KEYS
    if unknown:
        raise SeedError(f"unknown device keys: {sorted(unknown)}")
    device_id = str(spec.get("id") or store.new_hex(16)).lower()
    if not _HEX16.match(device_id):
        raise SeedError(f"device id must be 16 lowercase hex characters: {device_id!r}")
    if device_id in store.collections["devices"]:
        raise SeedError(f"duplicate device id {device_id}")
    mac = str(spec.get("mac_address") or _new_mac(store)).lower()
    if not _MAC.match(mac):
        raise SeedError(f"mac_address must look like 0c:2a:69:05:0d:62: {mac!r}")
    if store.ids("devices", "mac", mac):
        raise SeedError(f"duplicate mac_address {mac}")
    imp_type = str(spec.get("imp_type") or store.rng.choice(IMP_TYPES))
    created = str(spec.get("created_at", SEED_TIME))
    rec = store.add(
        "devices",
        {
            "type": "device",
            "id": device_id,
            "attributes": {
                "name": spec.get("name"),
                "agent_id": "",
                "agent_url": "",
                "agent_running": False,
                "agent_state_changed_at": created,
                "device_online": bool(spec.get("device_online", True)),
                "device_state_changed_at": created,
                "last_enrolled_at": created,
                "imp_type": imp_type,
                "ip_address": spec.get("ip_address")
                or f"10.0.{store.rng.randrange(256)}.{store.rng.randrange(2, 254)}",
                "mac_address": mac,
                "free_memory": int(spec.get("free_memory", 100000)),
                "rssi": int(spec.get("rssi", -60)),
                "swversion": str(spec.get("swversion", SWVERSION)),
                "plan_id": str(spec.get("plan_id", "")),
                "created_at": created,
                "updated_at": created,
            },
            "relationships": {"owner": rel("account", account_id)},
        },
    )
    logs = spec.get("logs") or []
    store.device_logs[device_id] = [normalise_log(entry) for entry in logs]
    return rec


def normalise_log(entry: Any) -> Rec:
    """A device log entry `{ts, type, msg}`; `ts` defaults to now, `type` to server.log."""
    if isinstance(entry, str):
        entry = {"msg": entry}
    if not isinstance(entry, dict) or "msg" not in entry:
        raise SeedError("a log entry needs 'msg' (and optionally 'ts' and 'type')")
    return {
        "ts": str(entry.get("ts") or now_iso()),
        "type": str(entry.get("type", "server.log")),
        "msg": str(entry["msg"]),
    }


def _new_mac(store: Store) -> str:
    while True:
        mac = "0c:2a:69:" + ":".join(f"{store.rng.randrange(256):02x}" for _ in range(3))
        if not store.ids("devices", "mac", mac):
            return mac
