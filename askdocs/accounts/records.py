"""The accounts' records, as they cross module borders (a user, a token's description, an audit entry), and what an account may hold."""

from __future__ import annotations

import re
from dataclasses import dataclass

from askdocs.accounts.passwords import MIN_PASSWORD_CHARS
from askdocs.accounts.roles import ROLES, allows
from askdocs.errors import AccountError

# A grant of every library, those added later too.
EVERY_LIBRARY = "*"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True)
class User:
    """A user: their role in the libraries they are given (EVERY_LIBRARY for all), and where a library
    has a role of its own (`library_roles`: reader of one, editor of another)."""

    name: str
    role: str
    libraries: tuple[str, ...]
    library_roles: tuple[tuple[str, str], ...] = ()

    def role_in(self, library: str) -> str | None:
        """The user's role in this library (the higher of its own grant and an every-library one), or None."""
        own = dict(self.library_roles)
        found = [own.get(lib, self.role) for lib in (library, EVERY_LIBRARY) if lib in self.libraries]
        return max(found, key=_rank) if found else None

    def may_use(self, library: str) -> bool:
        """Whether the user is given this library."""
        return self.role_in(library) is not None

    def may(self, action: str, library: str) -> bool:
        """Whether the user may do `action` ("read", "write", "manage") in this library."""
        role = self.role_in(library)
        return role is not None and allows(role, action)

    def may_manage(self, other_libraries: tuple[str, ...] | list[str]) -> bool:
        """Whether this user may manage a user given `other_libraries`: an admin of every one of them."""
        return bool(other_libraries) and all(self.may("manage", library) for library in other_libraries)

    def top_role(self) -> str:
        """The user's highest role in any of their libraries."""
        return max([self.role, *(role for _, role in self.library_roles)], key=_rank)

    def describe(self) -> str:
        """ "rita: reader of legal, hr; editor of handbook"."""
        by_role: dict[str, list[str]] = {}
        for library in self.libraries:
            by_role.setdefault(dict(self.library_roles).get(library, self.role), []).append(library)
        parts = [f"{role} of {', '.join(names)}" for role, names in sorted(by_role.items(), key=lambda i: _rank(i[0]))]
        return f"{self.name}: {'; '.join(parts)}"


def _rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else -1


def split_grant(entry: str) -> tuple[str, str | None]:
    """A `--library` entry: "legal" (the user's role) or "legal:editor" (a role of its own there)."""
    library, _, role = entry.partition(":")
    return library, role or None


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


def check_account(name: str, role: str, libraries: list[str], password: str | None) -> None:
    """Refuse a name, role, library list or password the accounts cannot take, saying why."""
    if not _NAME.match(name):
        raise AccountError(
            f"a user name is 1 to 64 letters, digits and . _ @ -, starting with a letter or digit: {name!r}"
        )
    if role not in ROLES:
        raise AccountError(f"the role must be one of {', '.join(ROLES)}, not {role!r}")
    if not libraries:
        raise AccountError(f"give {name} at least one library (--library NAME, or --library '*' for every one)")
    for entry in libraries:
        library, own = split_grant(entry)
        if not library or (own is not None and own not in ROLES):
            raise AccountError(f"a library is NAME or NAME:ROLE with a role of {', '.join(ROLES)}, not {entry!r}")
    if password is not None and len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
