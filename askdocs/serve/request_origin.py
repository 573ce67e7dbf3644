"""Whether a request is this server's own: where it may listen, and the Host and Origin it may be sent with.

A page on another site, open in the same browser, can send requests to a server on this machine:
`fetch("http://127.0.0.1:8000/documents", {method: "POST", ...})` planted a file in a library before
(issue #25), and a name that resolves to 127.0.0.1 (DNS rebinding) reaches it as if same-site. So
the page and the HTTP API answer only requests whose Host names this server (its loopback names, the
address it was told to listen on, or names configured with $ASKDOCS_ALLOWED_HOSTS) and whose Origin,
when a browser sends one, is this server's own.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# Addresses that mean "every interface": any Host may reach such a server, so only configured names
# restrict it (and a token must guard it anyway).
EVERY_INTERFACE = frozenset({"", "0.0.0.0", "::"})


def is_loopback(host: str) -> bool:
    """True for addresses only this machine reaches: localhost, 127.0.0.0/8, ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other host name may resolve to an address others reach


def allowed_hosts(bind_host: str | None, configured: Iterable[str] = ()) -> frozenset[str] | None:
    """The host names requests may be addressed to; None (any) for every interface with none configured."""
    names = {name.strip().lower().strip("[]") for name in configured if name.strip()}
    host = (bind_host or "").strip().lower().strip("[]")
    if host in EVERY_INTERFACE and not names:
        return None
    if host not in EVERY_INTERFACE:
        names.add(host)
    return frozenset(names | LOOPBACK_NAMES)


def hosts_from_setting(value: str | None) -> list[str]:
    """The host names of a comma-separated setting ($ASKDOCS_ALLOWED_HOSTS)."""
    return [name for name in (value or "").split(",") if name.strip()]


def foreign_reason(host: str | None, origin: str | None, allowed: frozenset[str] | None) -> str | None:
    """Why a request with these Host and Origin headers is not this server's own, or None when it is."""
    if host is not None and allowed is not None:
        name = (urlsplit(f"//{host}").hostname or "").lower()
        if name not in allowed:
            return (
                f"this server does not answer to the host name {name or '(none)'!r}; "
                "add it to $ASKDOCS_ALLOWED_HOSTS (comma-separated) to allow it"
            )
    if origin is not None:
        parts = urlsplit(origin)
        if origin == "null" or parts.scheme not in ("http", "https") or parts.netloc.lower() != (host or "").lower():
            return "requests from another site's pages are refused (their Origin is not this server)"
    return None
