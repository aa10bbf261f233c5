"""Constants and types shared by the Builder manifest tests (conftest puts this folder on
sys.path, as tests/e2e does for its helpers)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "builder-project"
LOGIN_KEY = "0123456789abcdef"
API_KEY = "s3cr3t-api-key-value"
RING_V1 = "// ring buffer v1\nclass Ring { size = @{RING_SIZE}; }\n"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Cli = Callable[..., Result]
