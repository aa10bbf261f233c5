"""RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) for the emulator's two-factor login.

Implemented with the standard library so that no dependency is added; tests use `totp()` to
compute the code an authenticator app would show for a seeded base32 secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

STEP = 30
DIGITS = 6


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(secret: str, counter: int, digits: int = DIGITS) -> str:
    """RFC 4226 HOTP value of `counter` for a base32 `secret`."""
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def totp(secret: str, at: float | None = None) -> str:
    """The TOTP code valid at time `at` (default: now)."""
    return hotp(secret, int((time.time() if at is None else at) // STEP))


def verify(secret: str, code: str, at: float | None = None, window: int = 1) -> bool:
    """True when `code` matches the current step or one of `window` steps either side."""
    now = time.time() if at is None else at
    counter = int(now // STEP)
    return any(
        hmac.compare_digest(hotp(secret, counter + delta), code.strip())
        for delta in range(-window, window + 1)
    )
