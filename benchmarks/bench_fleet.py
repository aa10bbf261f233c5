"""Fleet benchmark: plan and apply at scale against the emulator, as ratios to the API's floor.

Generates P products x G development groups (default 20 x 50 = 1,000 groups, one webhook and
per-group code each), starts the emulator with `--latency-ms` and `--rate-limit`, seeds it with
an unthrottled `impops apply`, and measures in one run, side by side:

* a no-change `impops plan` at history 1 and at `--history` deployments per group,
* an `impops apply` of `--changes` code changes on as many groups,
* `impops validate` of a `--validate-groups` project (offline),
* a serial baseline script using `requests` doing the same reads (and deploys),

each with its wall time, peak memory (`ru_maxrss` of a child process), requests and 429s as
the emulator logged them, and its ratio to the floor (see `fleet/floor.py`) and the baseline.

    python benchmarks/bench_fleet.py                       # the issue-11 workload
    python benchmarks/bench_fleet.py --products 4 --groups 25 --history 3 --changes 10
    python benchmarks/bench_fleet.py --no-baseline         # skip the slow serial script

Not a test (it takes minutes). Figures: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.fleet import baseline  # noqa: E402
from benchmarks.fleet.floor import Floor  # noqa: E402
from benchmarks.fleet.measure import Run, run_command  # noqa: E402
from benchmarks.fleet.workload import Fleet, code_text, write_code, write_project  # noqa: E402
from impops.emulator import EmulatorServer  # noqa: E402
from impops.providers.impcentral.api.client import ImpCentralClient  # noqa: E402
from impops.providers.impcentral.settings import Settings  # noqa: E402

LOGIN_KEY = "0123456789abcdef"


class Bench:
    """One benchmark run: the emulator, the project directory and the figures so far."""

    def __init__(self, args: argparse.Namespace, emu: EmulatorServer, root: Path) -> None:
        self.args = args
        self.emu = emu
        self.root = root
        self.fleet = Fleet(args.products, args.groups, args.code_bytes)
        self.env = {"IMPOPS_ENDPOINT": emu.v5_url, "IMPOPS_LOGIN_KEY": LOGIN_KEY}
        self.deployments = 0  # deployments in the account, history included
        self.rows: list[str] = []

    # --- the emulator's knobs ------------------------------------------------------------------

    def unthrottled(self) -> None:
        self.emu.admin("POST", "latency", {"ms": 0})
        self.emu.admin("POST", "ratelimit", {"limit": None})

    def throttled(self) -> None:
        self.emu.admin("POST", "latency", {"ms": self.args.latency_ms})
        self.emu.admin("POST", "ratelimit", {"limit": self.args.rate_limit})
        time.sleep(1.1)  # a fresh rate-limit window

    def converge(self) -> None:
        """Unthrottled apply until the account matches the manifests (seeding, not measured)."""
        self.unthrottled()
        run = run_command(
            self.emu,
            {**self.env, "IMPOPS_RATE_LIMIT": "0"},
            ["apply", "--auto-approve", str(self.root)],
        )
        if run.exit != 0:
            raise RuntimeError(f"seeding apply failed ({run.exit}):\n{run.output}")
        self.deployments += run.requests.by_endpoint.get("POST /deployments", 0)

    def add_history(self, per_group: int) -> None:
        """`per_group` older deployments (other code) in every group, then re-deploy the desired."""
        self.unthrottled()
        settings = Settings(endpoint=self.emu.v5_url, login_key=LOGIN_KEY, rate_limit=0)
        with ImpCentralClient(settings) as client:
            groups = client.list_device_groups()

            def deploy(job: tuple[dict[str, object], int]) -> None:
                group, h = job
                code = code_text(str(group["id"]), 1000 + h, self.fleet.code_bytes)
                attributes = {"agent_code": code, "device_code": code, "tags": ["old"]}
                client.create_deployment(str(group["id"]), str(group["type"]), attributes)

            jobs = [(g, h) for g in groups for h in range(per_group)]
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(deploy, jobs))
        self.deployments += len(jobs)
        self.converge()

    # --- measurements --------------------------------------------------------------------------

    def floor(self) -> Floor:
        g = self.fleet.total_groups
        return Floor(self.fleet.products, g, g, self.deployments)

    @property
    def round_trip(self) -> float:
        return self.args.latency_ms / 1000

    def report(self, label: str, run: Run | None, floor_s: float, base_s: float | None) -> None:
        if run is None:
            assert base_s is not None
            self.rows.append(
                f"{label:<34}{base_s:>8.2f}{'':>9}{'':>6}{'':>8}{base_s / floor_s:>8.2f}x"
            )
            return
        req = run.requests
        ratio_base = f"{run.seconds / base_s:>8.3f}x" if base_s else f"{'-':>9}"
        self.rows.append(
            f"{label:<34}{run.seconds:>8.2f}{req.total:>9}{req.too_many:>6}{run.peak_mb:>8.0f}"
            f"{run.seconds / floor_s:>8.2f}x{ratio_base}"
        )
        print(f"  {label}: {req.detail()}", flush=True)

    def plan(self, label: str) -> None:
        self.throttled()
        run = run_command(self.emu, self.env, ["plan", "--detailed-exitcode", str(self.root)])
        if run.exit != 0:
            raise RuntimeError(
                f"{label}: expected a no-change plan, exit {run.exit}:\n{run.output}"
            )
        floor = self.floor()
        floor_s = floor.seconds(self.args.rate_limit, self.round_trip)
        print(f"{label}: floor {floor.read_requests} requests, {floor_s:.2f}s", flush=True)
        base_s = self.baseline(deploy=False) if self.args.baseline else None
        self.report(f"{label} (floor {floor_s:.2f}s)", run, floor_s, base_s)
        if base_s:
            self.report("  serial baseline script", None, floor_s, base_s)

    def baseline(self, deploy: bool) -> float:
        self.throttled()
        t0 = time.perf_counter()
        differ = baseline.run(self.emu.v5_url, LOGIN_KEY, self.root, self.fleet, deploy)
        if not deploy and differ:
            raise RuntimeError(f"baseline: {differ} groups differ in a no-change fleet")
        return time.perf_counter() - t0

    def changed_groups(self, revision: int) -> None:
        for i in range(self.args.changes):
            p, g = i % self.fleet.products, i // self.fleet.products
            write_code(self.root, self.fleet, p, g, revision)

    def apply(self) -> None:
        self.changed_groups(1)
        self.throttled()
        run = run_command(self.emu, self.env, ["apply", "--auto-approve", str(self.root)])
        if run.exit != 0:
            raise RuntimeError(f"apply failed ({run.exit}):\n{run.output}")
        self.deployments += run.requests.by_endpoint.get("POST /deployments", 0)
        writes = run.requests.writes
        floor = self.floor()
        floor_s = floor.seconds(self.args.rate_limit, self.round_trip, writes)
        print(f"apply: {writes} writes + {floor.read_requests} reads; floor {floor_s:.2f}s")
        base_s = None
        if self.args.baseline:
            self.changed_groups(2)
            base_s = self.baseline(deploy=True)
            self.deployments += self.args.changes
            self.converge()  # impops' deployment settings back on the baseline's deploys
        self.report(
            f"apply {self.args.changes} changes (floor {floor_s:.2f}s)", run, floor_s, base_s
        )
        if base_s:
            self.report("  serial baseline script", None, floor_s, base_s)

    def validate(self) -> None:
        per_product = 50
        big = Fleet(max(1, self.args.validate_groups // per_product), per_product, 200)
        root = self.root.parent / "validate"
        write_project(root, big)
        t0 = time.perf_counter()
        run = run_command(self.emu, {}, ["validate", str(root)])
        wall = time.perf_counter() - t0
        if run.exit != 0:
            raise RuntimeError(f"validate failed:\n{run.output}")
        self.rows.append(
            f"{f'validate {big.total_groups} groups (process {wall:.2f}s)':<34}"
            f"{run.seconds:>8.2f}{'':>9}{'':>6}{run.peak_mb:>8.0f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=20)
    parser.add_argument("--groups", type=int, default=50, help="development groups per product")
    parser.add_argument("--history", type=int, default=10, help="deployments per group, 2nd plan")
    parser.add_argument("--changes", type=int, default=100, help="code changes to apply")
    parser.add_argument("--code-bytes", type=int, default=4000, help="size of each code file")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--rate-limit", type=int, default=40, help="requests/s the emulator allows")
    parser.add_argument("--validate-groups", type=int, default=5000)
    parser.add_argument("--no-baseline", dest="baseline", action="store_false")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, EmulatorServer(port=0) as emu:
        root = Path(tmp) / "fleet"
        bench = Bench(args, emu, root)
        write_project(root, bench.fleet)
        t0 = time.perf_counter()
        bench.converge()
        print(
            f"seeded {args.products} x {args.groups} = {bench.fleet.total_groups} groups in "
            f"{time.perf_counter() - t0:.0f}s; emulator {args.latency_ms} ms latency, "
            f"{args.rate_limit} requests/s",
            flush=True,
        )
        bench.plan("plan, history 1")
        bench.apply()
        if args.history > 1:
            bench.add_history(args.history - 1)
            bench.plan(f"plan, history {args.history}+")
        bench.validate()

    print()
    head = f"{'measurement':<34}{'seconds':>8}{'requests':>9}{'429s':>6}{'peak MB':>8}"
    print(f"{head}{'/floor':>9}{'/serial':>9}")
    for row in bench.rows:
        print(row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
