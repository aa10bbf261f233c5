"""Secret redaction: one registry of secret values, scrubbed from every string impops emits.

Two layers protect secrets:

1. Structured: resources carry the paths of their sensitive fields (`Resource.sensitive`);
   renderers and the plan file replace those values by `fingerprint(value)`.
2. Textual (defence in depth): every secret value is registered here when it is loaded
   (credentials, `${VAR}` values, values marked `!secret`), and `scrub()` replaces any
   occurrence in free text: log lines, exception messages, rendered plans.

Fingerprints are HMAC-SHA256. The key is, in order: `IMPOPS_FINGERPRINT_KEY`; key material
given to `configure_key()` (the CLI passes the account credentials, so a plan job and an apply
job of the same account agree, and nobody without the credentials can test guesses against a
saved plan); otherwise a per-process random key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading

REDACTED = "(sensitive value)"

_lock = threading.Lock()
_values: set[str] = set()
_key: bytes | None = None

# Values shorter than this are not scrubbed textually: replacing "1" or "on" everywhere
# would mangle output without protecting anything. They are still redacted structurally.
MIN_SCRUB_LENGTH = 4


def _fingerprint_key() -> bytes:
    global _key
    with _lock:
        if _key is None:
            env = os.environ.get("IMPOPS_FINGERPRINT_KEY")
            _key = env.encode() if env else secrets.token_bytes(32)
        return _key


def configure_key(material: str) -> None:
    """Derive the fingerprint key from secret material (unless IMPOPS_FINGERPRINT_KEY is set)."""
    global _key
    if os.environ.get("IMPOPS_FINGERPRINT_KEY"):
        return
    with _lock:
        _key = hashlib.sha256(b"impops-fingerprint\0" + material.encode()).digest()


def register(value: object) -> None:
    """Remember a secret value so that `scrub` removes it from any text."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = str(value)
        if len(text) >= MIN_SCRUB_LENGTH:
            with _lock:
                _values.add(text)


def fingerprint(value: object) -> str:
    """A stable, non-reversible stand-in for a secret value: `hmac-sha256:<12 hex>`."""
    digest = hmac.new(_fingerprint_key(), repr(value).encode(), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest[:12]}"


def scrub(text: str) -> str:
    """Replace every registered secret value in `text` by a redaction marker."""
    with _lock:
        values = sorted(_values, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


def reset_for_tests() -> None:
    """Forget all registered values (tests only)."""
    global _key
    with _lock:
        _values.clear()
        _key = None
