"""What each role may do in the libraries it is given: readers read, editors also write, admins also manage users."""

from __future__ import annotations

# In order: each role may do everything the one before it may.
ROLES = ("reader", "editor", "admin")
# What an action needs: "read" (search, open, download, status), "write" (add or remove documents),
# "manage" (users, tokens, the audit log).
_NEEDS = {"read": "reader", "write": "editor", "manage": "admin"}


def allows(role: str, action: str) -> bool:
    """Whether a user of `role` may do `action` ("read", "write" or "manage") in a library they are given."""
    if role not in ROLES or action not in _NEEDS:
        return False
    return ROLES.index(role) >= ROLES.index(_NEEDS[action])
