"""The accounts' records, as they cross module borders: a user, a token's description, an audit entry."""

from __future__ import annotations

from dataclasses import dataclass

from askdocs.accounts.roles import allows

# A grant of every library, those added later too.
EVERY_LIBRARY = "*"


@dataclass(frozen=True)
class User:
    """A user: their role and the libraries it applies to (EVERY_LIBRARY for all)."""

    name: str
    role: str
    libraries: tuple[str, ...]

    def may_use(self, library: str) -> bool:
        """Whether the user is given this library."""
        return EVERY_LIBRARY in self.libraries or library in self.libraries

    def may(self, action: str, library: str) -> bool:
        """Whether the user may do `action` ("read", "write", "manage") in this library."""
        return self.may_use(library) and allows(self.role, action)

    def may_manage(self, other_libraries: tuple[str, ...] | list[str]) -> bool:
        """Whether this user may manage a user given `other_libraries`: an admin of all of them."""
        if not allows(self.role, "manage"):
            return False
        return EVERY_LIBRARY in self.libraries or set(other_libraries) <= set(self.libraries)


@dataclass(frozen=True)
class TokenInfo:
    """One of a user's API tokens or sessions, described without the token: `label` names it to revoke it."""

    label: str  # the first 12 hex digits of its digest
    user: str
    kind: str  # "api" or "session"
    created: float
    expires: float | None


@dataclass(frozen=True)
class AuditEntry:
    """One recorded change: when (epoch seconds), who, what, to what, from which address."""

    at: float
    actor: str
    action: str
    target: str
    address: str


# A folder without accounts, or the shared token: every library, every action (as before accounts).
OWNER = User("(owner)", "admin", (EVERY_LIBRARY,))
