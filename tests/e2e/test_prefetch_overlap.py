"""`plan` and `apply` read impCentral's account-wide lists while the product files load.

In-process CLI runs against the emulator (examples/manifests: two products, so once applied
the project manages the whole account and the read is account-wide).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import Result

import impops.manifest.loader as loader
from impops.providers.impcentral.lock import LOCK_GROUP

Cli = Callable[..., Result]


def _log(emulator: Any) -> list[dict[str, Any]]:
    data: Any = emulator.admin("GET", "requests")
    return [
        e
        for e in data["requests"]
        if str(e["path"]).startswith("/v5/") and "/auth" not in e["path"]
    ]


def _unfiltered_group_lists(entries: list[dict[str, Any]]) -> list[int]:
    return [
        i
        for i, e in enumerate(entries)
        if e["method"] == "GET"
        and e["path"] == "/v5/devicegroups"
        and "filter" not in str(e.get("query", ""))
    ]


def test_the_group_list_is_read_while_product_files_load(
    cli: Cli, manifests: Path, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    emulator.admin("DELETE", "requests")
    seen: list[bool] = []
    load_product = loader._load_product

    def slow_load(*args: Any, **kwargs: Any) -> Any:
        # The first product file waits (up to 10 s) for the account-wide group list to reach
        # the API: it can only arrive meanwhile if it was sent before the files were loaded.
        if not seen:
            deadline = time.monotonic() + 10
            while not _unfiltered_group_lists(_log(emulator)) and time.monotonic() < deadline:
                time.sleep(0.02)
            seen.append(bool(_unfiltered_group_lists(_log(emulator))))
        return load_product(*args, **kwargs)

    monkeypatch.setattr(loader, "_load_product", slow_load)
    planned = cli("plan", "--detailed-exitcode", str(manifests))
    assert planned.code == 0, planned.text
    assert seen == [True]
    calls = [(e["method"], e["path"], e.get("query", "")) for e in _log(emulator)]
    assert len(calls) == len(set(calls)), calls  # every prefetched answer was used, once


def test_a_manifest_error_leaves_no_request_running(
    cli: Cli, manifests: Path, emulator: Any
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    (manifests / "weather-station" / "product.yaml").write_text("product: [unclosed\n")
    failed = cli("plan", str(manifests))
    assert failed.code != 0
    assert "weather-station/product.yaml:2:1: YAML syntax error" in failed.err
    assert not [t for t in threading.enumerate() if t.name.startswith("impcentral-prefetch")]
    before = len(_log(emulator))
    time.sleep(0.3)
    assert len(_log(emulator)) == before  # nothing still talking to the API


def test_apply_reads_again_under_the_lock_from_the_api(
    cli: Cli, manifests: Path, emulator: Any
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    agent = manifests / "weather-station" / "src" / "app.agent.nut"
    agent.write_text(agent.read_text() + "\n// v2\n")
    emulator.admin("DELETE", "requests")
    applied = cli("apply", str(manifests), "--auto-approve", "--force")
    assert applied.code == 0, applied.text
    entries = _log(emulator)
    lock = next(
        i
        for i, e in enumerate(entries)
        if e["method"] == "POST" and e["path"] == "/v5/devicegroups"
    )
    lists = _unfiltered_group_lists(entries)
    assert lists[0] < lock < lists[1]  # prefetched before the lock, read again under it
    assert LOCK_GROUP  # the lock group is the POST above (its name is reserved)


def test_an_api_error_in_a_prefetched_list_is_a_clear_error(
    cli: Cli, manifests: Path, emulator: Any, env: dict[str, str]
) -> None:
    assert cli("apply", str(manifests), "--auto-approve").code == 0
    # A 400 is not retried: the prefetched group list fails, and the plan reports it as the
    # live read would have, naming the request, with no traceback and no credential.
    emulator.admin("POST", "faults", {"method": "GET", "path": "/v5/devicegroups", "status": 400})
    failed = cli("plan", str(manifests))
    assert failed.code == 1, failed.text
    assert failed.err.startswith("error: ")
    assert "impCentral GET /devicegroups: 400" in failed.err
    assert "Traceback" not in failed.err + failed.out
    assert env["IMPOPS_LOGIN_KEY"] not in failed.err + failed.out
    assert not [t for t in threading.enumerate() if t.name.startswith("impcentral-prefetch")]
