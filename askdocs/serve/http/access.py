"""Who a request to a folder of libraries comes from, and which of the libraries it may see.

Once the folder has accounts (askdocs/accounts/, `python -m askdocs users`), every request but
/health needs a user: an API token of theirs (`Authorization: Bearer`), or, from the configured
sign-in proxy's address only, a user name in its header (single sign-on). The shared `--token`
still opens everything (a one-person setup), as does a folder without accounts. A user sees only
the libraries they are given: the others are not found (404), never named, and `lib=all` means
all of theirs.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request

from askdocs.accounts import ACCOUNTS_FILE, OWNER, AccountStore, User
from askdocs.accounts.store import opened_store
from askdocs.libraries import Library


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, given = (header or "").partition(" ")
    return given.strip() if scheme.lower() == "bearer" and given.strip() else None


def same_token(given: str | None, token: str) -> bool:
    """Whether `given` is `token`, compared in constant time (as bytes: a client may send any character)."""
    return given is not None and hmac.compare_digest(given.encode(), token.encode())


@dataclass(frozen=True)
class AccessRules:
    """How requests to a folder of libraries are told apart: its accounts file, the shared token, the proxy."""

    accounts_file: Path
    token: str | None = None
    proxy: str | None = None  # the address of a trusted sign-in proxy (e.g. oauth2-proxy)
    user_header: str = "X-Forwarded-User"

    @classmethod
    def for_folder(
        cls, root: Path, token: str | None = None, proxy: str | None = None, header: str = ""
    ) -> AccessRules:
        """The rules of a folder of libraries (its accounts live in ROOT/.askdocs-accounts.sqlite3)."""
        return cls(Path(root) / ACCOUNTS_FILE, token, proxy, header or "X-Forwarded-User")

    def _store(self) -> AccountStore | None:
        return opened_store(self.accounts_file) if self.accounts_file.exists() else None

    def identify(self, request: Request) -> tuple[User | None, AccountStore | None]:
        """Who the request is from (None: refuse it, 401), and the accounts their changes are recorded in.

        A known token is one read of the accounts file; whether it has users at all is asked only when
        no user was found (a folder without users, or an unknown token)."""
        given = bearer(request.headers.get("authorization"))
        store = self._store()
        if self.token and same_token(given, self.token):
            return OWNER, store if store is not None and store.has_users() else None
        if store is not None:
            from_proxy = self.proxy and client_address(request) == self.proxy
            named = request.headers.get(self.user_header) if from_proxy else None
            user = store.user(named) if named else store.user_for_token(given) if given else None
            if user is not None:
                return user, store
            if store.has_users():
                return None, store
        return (None if self.token else OWNER), None


def client_address(request: Request) -> str:
    """The address a request came from, as the audit log and the sign-in proxy check see it ("" unknown)."""
    return request.client.host if request.client else ""


def user_of(request: Request) -> User:
    """The user the guard found for this request (OWNER where no rules apply)."""
    return getattr(request.state, "user", OWNER)


def accounts_of(request: Request) -> AccountStore | None:
    """The accounts the guard read for this request (None without accounts): where changes are recorded."""
    return getattr(request.state, "accounts", None)


def visible(libraries: list[Library], user: User) -> list[Library]:
    """The libraries a user may read."""
    return [library for library in libraries if user.may("read", library.name)]


def require(user: User, action: str, library: str) -> None:
    """A 403 naming the role when the user may not do `action` ("write", "manage") in the library."""
    if not user.may(action, library):
        what = {"write": "add or remove documents in", "manage": "manage the users of"}.get(action, action)
        raise HTTPException(
            403, f"{user.name} is a {user.role_in(library) or user.role} and may not {what} '{library}'"
        )


WRONG_TOKEN = "missing or wrong token: send `Authorization: Bearer <token>`"
WRONG_USER_TOKEN = (
    "these libraries have accounts: send `Authorization: Bearer <your token>` "
    "(an admin prints one with `python -m askdocs users --libraries DIR token NAME`)"
)


def _authorized(header: str | None, token: str) -> bool:
    return same_token(bearer(header), token)


def identify(request: Request, token: str | None, access: AccessRules | None) -> str:
    """Note who the request is from (`request.state.user`, `.accounts`); why it is refused, or "" when it is not."""
    if access is None:
        return "" if not token or _authorized(request.headers.get("authorization"), token) else WRONG_TOKEN
    user, store = access.identify(request)
    if user is None:
        return WRONG_USER_TOKEN if store is not None else WRONG_TOKEN
    request.state.user, request.state.accounts = user, store
    return ""
