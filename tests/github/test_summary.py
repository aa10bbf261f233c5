"""append_step_summary: the markdown plan on the Actions job summary page."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from impops import redact
from impops.github.summary import MAX_SUMMARY_BYTES, append_step_summary


def test_unset_or_empty_does_nothing() -> None:
    assert append_step_summary("# plan", {}) is None
    assert append_step_summary("# plan", {"GITHUB_STEP_SUMMARY": ""}) is None


def test_appends_and_keeps_earlier_steps(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(target)}
    assert append_step_summary("## impops plan", env) == target
    append_step_summary("second\n", env)
    assert target.read_text() == "earlier step\n## impops plan\n\nsecond\n\n"


def test_secrets_are_scrubbed(tmp_path: Path) -> None:
    redact.reset_for_tests()
    redact.register("sup3r-secret-value")
    target = tmp_path / "summary.md"
    append_step_summary("key: sup3r-secret-value", {"GITHUB_STEP_SUMMARY": str(target)})
    assert "sup3r-secret-value" not in target.read_text()
    redact.reset_for_tests()


def test_oversized_text_is_truncated_with_a_note(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    append_step_summary("x" * (2 * MAX_SUMMARY_BYTES), {"GITHUB_STEP_SUMMARY": str(target)})
    data = target.read_bytes()
    assert len(data) <= MAX_SUMMARY_BYTES + 2
    assert b"truncated" in data


def test_unwritable_target_warns_and_returns_none(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"GITHUB_STEP_SUMMARY": str(tmp_path / "no-such-dir" / "summary.md")}
    with caplog.at_level(logging.WARNING, logger="impops.github"):
        assert append_step_summary("# plan", env) is None
    assert "GITHUB_STEP_SUMMARY" in caplog.text
