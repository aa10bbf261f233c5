"""Safety thresholds: octoDNS-style limits on how much one plan may change or delete."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SafetyThresholds(BaseModel):
    """Per-product limits. Update/delete shares are only enforced once a product has at least
    `min_existing` live objects (small products would trip them on every change)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    update_pcent_threshold: float = Field(0.3, ge=0, le=1)
    delete_pcent_threshold: float = Field(0.3, ge=0, le=1)
    min_existing: int = Field(10, ge=0)
    max_devices_affected: int | None = Field(None, ge=0)
