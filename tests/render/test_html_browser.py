"""The HTML plan report in a real browser: headless Chromium screenshots a page that is not
blank, and its DOM carries the summary text. Skips only where no browser is installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent / "plan"))

from planfleet import representative  # noqa: E402

from impops.engine.plan import PlanOptions, PlanSource, build_plan  # noqa: E402
from impops.providers.impcentral.diff import plan_input  # noqa: E402
from impops.render.formats import render_view  # noqa: E402
from impops.render.view import view_of_plan  # noqa: E402

BROWSER = next((b for b in ("chromium", "chromium-browser") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no chromium on PATH (.ci/run installs Debian's chromium package)"
)


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    assert BROWSER is not None
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    return subprocess.run(
        [BROWSER, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (no imaging library needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_html_plan_renders_in_headless_chromium(tmp_path: Path) -> None:
    f = representative()
    source = PlanSource("examples/manifests", git_sha="a1b2c3d")
    plan = build_plan([plan_input(f.desired, f.live)], PlanOptions(prune=True), source)
    page = tmp_path / "plan.html"
    page.write_text(render_view(view_of_plan(plan), "html"), encoding="utf-8")
    assert '<table class="diff">' in page.read_text(encoding="utf-8")  # side by side
    assert "<script" not in page.read_text(encoding="utf-8")
    assert "http" not in page.read_text(encoding="utf-8").split("<body>")[0]  # no assets

    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Plan: 4 to add, 4 to change, 2 to destroy." in dom.stdout
    assert "Blocked by a safety rule" in dom.stdout

    shot = tmp_path / "shot.png"
    done = _chromium(f"--screenshot={shot}", "--window-size=1200,900", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    width, height, pixels = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 900)
    # Non-blank: the rows hold many distinct byte values, not one background colour.
    assert len(set(pixels[: len(pixels) // 2])) > 16
