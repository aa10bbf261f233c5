"""Shared helpers for the GitHub tests: constants and builders of plan and drift files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakes.github import FakeGitHub  # noqa: E402

from impops.engine.plan import checksum_of  # noqa: E402

__all__ = ["PR", "REPO", "TOKEN", "FakeGitHub", "change", "drift_data", "field", "plan_data"]

TOKEN = "ghs_SeCrEtT0kenValue0123456789"
REPO = "octo/fleet"
PR = 7


def field(path: str, before: Any, after: Any, *, sensitive: bool = False) -> dict[str, Any]:
    """One entry of a change's `fields` (or a drift item's)."""
    return {"path": path, "before": before, "after": after, "sensitive": sensitive}


def change(
    address: str,
    action: str = "update",
    fields: list[dict[str, Any]] | None = None,
    after: dict[str, Any] | None = None,
    protected: bool = False,
) -> dict[str, Any]:
    kind, product = address.split("/")[:2]
    actions = ["delete", "create"] if action == "replace" else [action]
    return {
        "address": address,
        "previous_address": None,
        "kind": kind,
        "product": product,
        "name": address.split("/")[-1],
        "change": {
            "actions": actions,
            "before": None,
            "after": after,
            "before_sensitive": {},
            "after_sensitive": {},
            "fields": fields or [],
        },
        "action_reason": "fields_changed",
        "protected": protected,
        "devices_affected": 0,
        "restart": None,
    }


def plan_data(
    changes: list[dict[str, Any]], root: str, targets: list[str] | None = None
) -> dict[str, Any]:
    """A format-1.0 plan document with a valid checksum."""
    add = sum(1 for c in changes if "create" in c["change"]["actions"])
    destroy = sum(1 for c in changes if "delete" in c["change"]["actions"])
    return {
        "format_version": "1.0",
        "impops_version": "0.1.0",
        "timestamp": "2026-01-01T00:00:00Z",
        "applyable": bool(changes),
        "complete": not targets,
        "errored": False,
        "checksum": checksum_of(changes),
        "source": {
            "manifest_root": root,
            "git_sha": "a1b2c3d4e5f6",
            "endpoint": "https://api.electricimp.com/v5",
            "target_filter": targets or [],
            "exclude_filter": [],
        },
        "live_fingerprint": {},
        "summary": {
            "add": add,
            "change": sum(1 for c in changes if c["change"]["actions"] == ["update"]),
            "destroy": destroy,
            "devices_affected": 0,
            "device_groups_affected": 0,
            "restart": [],
        },
        "safety": {"blocked": False, "checks": [], "forced": False, "violations": []},
        "resource_changes": changes,
        "unmanaged": [],
    }


def drift_data(addresses: list[str]) -> dict[str, Any]:
    return {
        "format_version": 1,
        "drift": bool(addresses),
        "endpoint": "https://api.electricimp.com/v5",
        "products": ["acme"],
        "items": [
            {
                "address": a,
                "kind": a.split("/")[0],
                "action": "update",
                "meaning": "changed in impCentral",
                "fields": [
                    {"path": "env_vars.KEY", "before": "x", "after": "y", "sensitive": True}
                ],
                "outside_impops": False,
                "code_differs": False,
            }
            for a in addresses
        ],
    }
