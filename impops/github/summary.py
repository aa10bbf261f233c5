"""GitHub Actions job summary: append markdown to the file named by `GITHUB_STEP_SUMMARY`.

Called by `impops plan --format markdown` (and usable by any command) so that the plan shows
on the run's summary page without a separate workflow step. A summary is a convenience: a
failure to write it is logged as a warning and never fails the plan.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

from impops import redact

log = logging.getLogger("impops.github")

# GitHub rejects a step summary over 1 MiB; stay under it with room for the note.
MAX_SUMMARY_BYTES = 1024 * 1024 - 1024
_NOTE = "\n\n_… truncated to the job summary size limit; see the plan artifact._\n"


def append_step_summary(text: str, env: Mapping[str, str] | None = None) -> Path | None:
    """Append `text` (scrubbed, newline-terminated) to `$GITHUB_STEP_SUMMARY`.

    Returns the file written, or None when the variable is unset/empty or the write failed.
    """
    source = os.environ if env is None else env
    target = source.get("GITHUB_STEP_SUMMARY", "")
    if not target:
        return None
    body = redact.scrub(text if text.endswith("\n") else text + "\n")
    data = body.encode("utf-8")
    if len(data) > MAX_SUMMARY_BYTES:
        cut = data[: MAX_SUMMARY_BYTES - len(_NOTE.encode())].decode("utf-8", "ignore")
        body = cut + _NOTE
    path = Path(target)
    try:
        with path.open("a", encoding="utf-8") as stream:
            stream.write(body + "\n")
    except OSError as exc:
        log.warning("could not append to GITHUB_STEP_SUMMARY (%s): %s", path, exc.strerror)
        return None
    return path
