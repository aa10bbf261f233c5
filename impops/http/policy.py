"""Where plain HTTP is acceptable: only to the machine itself (emulators, local fakes).

Shared by every client (impCentral, Mnubo, GitHub): bearer tokens, passwords and client
secrets must not cross a network in clear text.
"""

from __future__ import annotations

import ipaddress


def is_loopback_host(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1 (brackets around IPv6 are tolerated)."""
    host = host.strip().strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
