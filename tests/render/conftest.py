"""The end-to-end fixtures (CLI over HTTP against the emulator on 127.0.0.1), reused here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_E2E = Path(__file__).parent.parent / "e2e"
sys.path.insert(0, str(_E2E))
_spec = importlib.util.spec_from_file_location("impops_render_e2e_fixtures", _E2E / "conftest.py")
assert _spec is not None
assert _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

manifests = _fixtures.manifests
env = _fixtures.env
cli = _fixtures.cli
client = _fixtures.client
