"""The fleet the benchmark plans against: manifests on disk and their code files.

P products x G development groups, each group with its own agent and device file (about
`code_bytes` each) and one `deployment` webhook. Code is per group so that an apply of N code
changes touches N groups, as a fleet whose groups run different builds would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fleet:
    """Sizes of the generated fleet."""

    products: int = 20
    groups: int = 50  # development groups per product
    code_bytes: int = 4000  # size of each agent and device file

    @property
    def total_groups(self) -> int:
        return self.products * self.groups

    def product_name(self, p: int) -> str:
        return f"fleet-{p:03d}"

    def group_name(self, g: int) -> str:
        return f"dev-{g:04d}"


def code_text(label: str, revision: int, size: int) -> str:
    """Squirrel-looking code of about `size` bytes, distinct per label and revision."""
    line = f'server.log("{label} r{revision}: " + hardware.millis());\n'
    return f"// {label} revision {revision}\n" + line * max(1, size // len(line))


def write_project(root: Path, fleet: Fleet) -> None:
    """Write impops.yaml and one product file (plus code) per product under `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "impops.yaml").write_text(
        "version: 1\n"
        'products:\n  - "*/product.yaml"\n'
        "safety:\n  update_pcent_threshold: 1.0\n  delete_pcent_threshold: 0.3\n"
        "defaults:\n  deployment:\n    tags: [gitops]\n    restart: none\n"
    )
    for p in range(fleet.products):
        product = fleet.product_name(p)
        pdir = root / product
        (pdir / "src").mkdir(parents=True, exist_ok=True)
        lines = [f"product: {product}", "description: fleet benchmark", "device_groups:"]
        for g in range(fleet.groups):
            group = fleet.group_name(g)
            lines += [
                f"  {group}:",
                "    type: development",
                f"    description: bench group {g}",
                "    env_vars:",
                f"      GROUP_INDEX: {g}",
                "    code:",
                f"      agent: src/{group}.agent.nut",
                f"      device: src/{group}.device.nut",
                "    deployment:",
                f"      description: {product} {group}",
                "    webhooks:",
                "      - event: deployment",
                f"        url: https://hooks.example.com/{product}/{group}",
            ]
            write_code(root, fleet, p, g, 0)
        (pdir / "product.yaml").write_text("\n".join(lines) + "\n")


def write_code(root: Path, fleet: Fleet, p: int, g: int, revision: int) -> None:
    """(Re)write one group's agent and device file at `revision`."""
    product, group = fleet.product_name(p), fleet.group_name(g)
    src = root / product / "src"
    for role in ("agent", "device"):
        label = f"{product}/{group}/{role}"
        (src / f"{group}.{role}.nut").write_text(code_text(label, revision, fleet.code_bytes))
