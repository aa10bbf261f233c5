"""Benchmark impCentral's `live.read_live` against the emulator: wall time and API calls.

Seeds N products x M device groups (default 10 x 100 = 1,000 groups), each group with H
deployments of history (each with a few KB of code) and W webhooks, through the real client;
then reads live state with each current-deployment strategy ("auto", the default; "get": one
GET per group; "list": `list_deployments` per product) through a client limited to
`--rate-limit` requests/s (default 20, the client's default) and prints time and calls.

    python benchmarks/bench_live_read.py                      # 10 x 100 groups, history 1
    python benchmarks/bench_live_read.py --history 5 --products 4 --groups 50

Not a test: it takes tens of seconds. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from impops.emulator import EmulatorServer  # noqa: E402
from impops.providers.impcentral.api.client import ImpCentralClient  # noqa: E402
from impops.providers.impcentral.live import read_live  # noqa: E402
from impops.providers.impcentral.settings import Settings  # noqa: E402

LOGIN_KEY = "0123456789abcdef"


def _code(i: int, size: int) -> str:
    line = f'server.log("reading {i}: " + hardware.millis());\n'
    return line * max(1, size // len(line))


def seed(client: ImpCentralClient, args: argparse.Namespace) -> list[str]:
    """Create the fleet; returns the product names."""
    names = [f"bench-{p:03d}" for p in range(args.products)]
    products = [client.create_product(n, "benchmark") for n in names]

    def make_group(job: tuple[str, int]) -> None:
        pid, g = job
        group = client.create_device_group(
            pid, "development_devicegroup", {"name": f"g{g:04d}", "description": "bench"}
        )
        for h in range(args.history):
            client.create_deployment(
                group["id"],
                group["type"],
                {
                    "agent_code": _code(h, args.code_bytes),
                    "device_code": _code(h + 1, args.code_bytes),
                    "tags": ["impops"],
                },
            )
        for w in range(args.webhooks):
            client.create_webhook(
                group["id"],
                group["type"],
                {
                    "event": "deployment",
                    "url": f"https://hooks.example.com/{pid}/{g}/{w}",
                    "content_type": "application/json",
                },
            )

    jobs = [(p["id"], g) for p in products for g in range(args.groups)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(make_group, jobs))
    return names


def request_log(emu: Any) -> list[dict[str, Any]]:
    data = emu.admin("GET", "requests")
    if isinstance(data, dict):
        data = data.get("requests", data.get("data", []))
    return list(data)


def endpoint_of(entry: dict[str, Any]) -> str:
    path = str(entry.get("path", "")).split("?")[0]
    parts = [p for p in path.split("/") if p]
    # /v5/deployments/<id> -> GET /deployments/{id}
    parts = parts[1:] if parts and parts[0] == "v5" else parts
    shown = "/" + parts[0] if parts else "/"
    if len(parts) > 1:
        shown += "/{id}"
    return f"{entry.get('method', '?')} {shown}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=10)
    parser.add_argument("--groups", type=int, default=100, help="device groups per product")
    parser.add_argument("--history", type=int, default=1, help="deployments per group")
    parser.add_argument("--webhooks", type=int, default=2, help="webhooks per group")
    parser.add_argument("--code-bytes", type=int, default=4000, help="size of each code file")
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=20,
        help="client requests/s while reading (default 20, the client's default; 0: off)",
    )
    args = parser.parse_args()

    with EmulatorServer(port=0) as emu:
        unlimited = Settings(endpoint=emu.v5_url, login_key=LOGIN_KEY, rate_limit=0)
        with ImpCentralClient(unlimited) as seeder:
            t0 = time.perf_counter()
            names = seed(seeder, args)
        settings = Settings(endpoint=emu.v5_url, login_key=LOGIN_KEY, rate_limit=args.rate_limit)
        with ImpCentralClient(settings) as client:
            print(
                f"seeded {args.products} products x {args.groups} groups "
                f"({args.products * args.groups} groups), history {args.history}, "
                f"{args.webhooks} webhooks/group in {time.perf_counter() - t0:.1f}s; "
                f"reading at {args.rate_limit:g} requests/s (0: unlimited)"
            )
            print()
            print(f"{'strategy':<10}{'seconds':>9}{'calls':>8}  calls by endpoint")
            for strategy in ("auto", "get", "list"):
                mark = len(request_log(emu))
                t0 = time.perf_counter()
                state = read_live(
                    client,
                    names,
                    parallelism=args.parallelism,
                    deployments=strategy,  # type: ignore[arg-type]
                )
                elapsed = time.perf_counter() - t0
                entries = [
                    e for e in request_log(emu)[mark:] if "/auth" not in str(e.get("path", ""))
                ]
                by_endpoint = Counter(endpoint_of(e) for e in entries)
                detail = ", ".join(f"{k}: {v}" for k, v in sorted(by_endpoint.items()))
                print(f"{strategy:<10}{elapsed:>9.2f}{len(entries):>8}  {detail}")
                assert len(state.resources) > 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
