"""The floor: the fewest requests the API needs, at its advertised rate, plus one round trip.

Reads at page size 100 (the API's maximum): products, device groups, webhooks (account-wide
lists), devices (at least one page, to see assignments and unassigned devices), and current
deployments the cheaper of two ways: the deployment list (every historical deployment) or one
GET per group. An apply's floor adds its writes, as counted by the emulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PAGE = 100


def pages(count: int) -> int:
    """List calls for `count` objects (an empty list still costs one call)."""
    return max(1, math.ceil(count / PAGE))


@dataclass(frozen=True)
class Floor:
    """Fewest requests of a fleet read and the time they take at `rate` per second."""

    products: int
    groups: int
    webhooks: int
    deployments: int  # all deployments, history included
    devices: int = 0

    @property
    def read_requests(self) -> int:
        return (
            pages(self.products)
            + pages(self.groups)
            + pages(self.webhooks)
            + min(pages(self.deployments), self.groups)
            + pages(self.devices)
        )

    def seconds(self, rate: float, round_trip: float, writes: int = 0) -> float:
        return (self.read_requests + writes) / rate + round_trip
