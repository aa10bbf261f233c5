"""`impops emulator serve`: run the impCentral v5 and Mnubo v3 emulator as a real HTTP server.

It prints its base URL once it accepts requests (scripts wait for that line), serves until
SIGINT or SIGTERM, then shuts down cleanly and saves the state when `--state` is given.
Request logging (method, path, status; never credentials) goes to stderr with `impops -v`.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from impops.emulator import EmulatorServer
from impops.emulator.impcentral.seed import SeedError
from impops.emulator.server import GROUP_DELETE_MODES


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "emulator", help="run the local impCentral and Mnubo API emulator"
    )
    sub = parser.add_subparsers(dest="emulator_command", metavar="ACTION")
    sub.required = True
    serve = sub.add_parser(
        "serve",
        help="serve the emulator over HTTP until interrupted",
        description="Serve an emulated impCentral API v5 under /v5, Mnubo SmartObjects v3 under "
        "/mnubo/sandbox and /mnubo/production, admin endpoints under /_emulator/. "
        "See docs/emulator.md.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=_non_negative, default=8080, help="port (default 8080)")
    serve.add_argument("--seed", metavar="FILE", help="YAML seed file (default: built-in seed)")
    serve.add_argument("--state", metavar="FILE", help="persist state to FILE and restore it")
    serve.add_argument(
        "--latency-ms", type=_non_negative, default=0, help="delay every API request by N ms"
    )
    serve.add_argument(
        "--rate-limit", type=_positive, default=None, help="N requests/second per token or IP"
    )
    serve.add_argument(
        "--token-lifetime",
        type=_positive,
        default=3600,
        metavar="SECONDS",
        help="access token lifetime (default 3600)",
    )
    serve.add_argument(
        "--group-delete",
        choices=GROUP_DELETE_MODES,
        default="cascade",
        help="what deleting a device group does to its deployments: delete them with it "
        "(cascade, the default: impCentral since 2024) or keep them as zombie builds",
    )
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    try:
        server = EmulatorServer(
            args.host,
            args.port,
            seed=args.seed,
            state_file=args.state,
            latency_ms=args.latency_ms,
            rate_limit=args.rate_limit,
            token_lifetime=args.token_lifetime,
            group_delete=args.group_delete,
        )
    except (OSError, SeedError, ValueError) as exc:
        print(f"error: cannot start the emulator: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            server.start()
        except OSError as exc:
            print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 1
        print(f"impops emulator: serving impCentral v5 at {server.v5_url}", flush=True)
        print(
            f"impops emulator: serving Mnubo v3 at {server.mnubo_url('sandbox')} and "
            f"{server.mnubo_url('production')}",
            flush=True,
        )
        while not stop.wait(0.5):
            pass
        server.stop()
        print("impops emulator: stopped", flush=True)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
