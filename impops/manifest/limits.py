"""Input limits for manifest files, and checks of path text before it reaches the OS.

Manifests come from git, and a pull request is untrusted input: every limit here is enforced
before the expensive work it protects (file size before reading, alias expansion while
composing, path text before any system call), and each breach is an ordinary problem at
file:line:column, never a crash. The values are documented in docs/manifests.md ("Limits").
"""

from __future__ import annotations

import re

MAX_FILE_BYTES = 4 * 1024 * 1024  # one manifest file (a 5,000-group product is ~1 MiB)
MAX_CODE_BYTES = 4 * 1024 * 1024  # one agent or device code file
MAX_SCALAR_CHARS = 64 * 1024  # one key or value
MAX_DEPTH = 64  # nested maps and lists (real manifests need about 8)
MAX_ALIASES = 10_000  # `*alias` uses in one file
MAX_EXPANDED_NODES = 1_000_000  # values and collections once aliases are expanded
MAX_EXPANDED_CHARS = 4 * MAX_FILE_BYTES  # text once aliases are expanded
MAX_CONTROL_REPORTS = 10  # control characters reported per file (then "and N more")
MAX_PATH_COMPONENT_BYTES = 255  # NAME_MAX on Linux and macOS, NTFS's limit in UTF-16 units
MAX_PATH_BYTES = 4095  # PATH_MAX (4096) minus the terminating NUL

# Characters YAML forbids in a stream (YAML 1.2, 5.1): C0 controls except tab/LF/CR, DEL,
# C1 controls except NEL, surrogates and the two non-characters U+FFFE/U+FFFF.
NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
_SEPARATORS = re.compile(r"[/\\]")


def describe_char(char: str) -> str:
    """`U+0001 (a control character)`: how a forbidden character is named in messages."""
    code = ord(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        kind = "NUL" if code == 0 else "a control character"
    elif 0xD800 <= code <= 0xDFFF:
        kind = "an unpaired surrogate"
    else:
        kind = "a non-character"
    return f"U+{code:04X} ({kind})"


def path_text_problem(text: str) -> str | None:
    """Why the OS cannot hold the path `text` (None when it can). Checked before any system
    call, so that a NUL byte or an over-long name is a manifest problem and not an exception."""
    if "\x00" in text:
        return "a file path cannot contain a NUL character"
    try:
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        return "a file path cannot contain an unpaired surrogate"
    if len(encoded) > MAX_PATH_BYTES:
        return f"the path is longer than {MAX_PATH_BYTES} bytes"
    for part in _SEPARATORS.split(text):
        if len(part.encode("utf-8")) > MAX_PATH_COMPONENT_BYTES:
            return f"a path component is longer than {MAX_PATH_COMPONENT_BYTES} bytes"
    return None
