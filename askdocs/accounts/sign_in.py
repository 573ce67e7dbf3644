"""Signing in with a password, slowed after repeated failures per account and per address.

Each failure is kept (table `sign_in_failures` of the accounts file, store.py, so the page's processes and
restarts share it) under two keys: the name tried and the address it came from. After
`FREE_FAILURES` failures within `WINDOW_SECONDS` a key must wait before its next attempt is even
checked: 1 s, then twice as long after each further failure, at most `MAX_WAIT_SECONDS`. An attempt
during the wait is refused unchecked (and logged); a success clears the name's failures, not the
address's. A user that does not exist is slowed and answered exactly as one with a wrong password.
Every failure is appended to the audit log, so an admin sees who was tried from where.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from askdocs.accounts.records import User
from askdocs.accounts.store import AccountStore

FREE_FAILURES = 5
WINDOW_SECONDS = 3600.0
MAX_WAIT_SECONDS = 900.0
SESSION_SECONDS = 12 * 3600.0  # a page session's life: a working day, then sign in again
WRONG = "wrong user name or password"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: a session token and its user, or why not and how long to wait."""

    user: User | None = None
    session: str | None = None
    refusal: str = ""
    wait_seconds: float = 0.0


def _keys(name: str, address: str) -> tuple[str, str]:
    return f"user:{name.lower()}", f"address:{address}"


def _wait(failures: list[float], now: float) -> float:
    """Seconds a key must still wait, given the times of its failures in the window."""
    if len(failures) < FREE_FAILURES:
        return 0.0
    pause = min(MAX_WAIT_SECONDS, 2.0 ** (len(failures) - FREE_FAILURES))
    return max(0.0, max(failures) + pause - now)


class SignInGate:
    """Password sign-in over an account store, with its failures counted in the same file."""

    def __init__(self, store: AccountStore, session_seconds: float = SESSION_SECONDS) -> None:
        self.store = store
        self.session_seconds = session_seconds

    def wait_seconds(self, name: str, address: str) -> float:
        """How long an attempt for `name` from `address` must wait before it is checked (0: now)."""
        now = time.time()
        waits = []
        with self.store.connect() as db:
            for key in _keys(name, address):
                rows = db.execute(
                    "SELECT at FROM sign_in_failures WHERE key = ? AND at > ?", (key, now - WINDOW_SECONDS)
                ).fetchall()
                waits.append(_wait([row[0] for row in rows], now))
        return max(waits)

    def attempt(self, name: str, password: str, address: str) -> SignIn:
        """Check a password (unless the name or address must wait); a new session token when it is right."""
        wait = self.wait_seconds(name, address)
        if wait > 0:
            log.warning("sign-in for %r from %s refused: too many failures, %.0f s to wait", name, address, wait)
            return SignIn(refusal=f"too many failed sign-ins: try again in {wait:.0f} s", wait_seconds=wait)
        user = self.store.sign_in(name, password)
        with self.store.connect() as db:
            if user is None:
                now = time.time()
                db.execute("DELETE FROM sign_in_failures WHERE at < ?", (now - WINDOW_SECONDS,))
                db.executemany("INSERT INTO sign_in_failures VALUES (?, ?)", [(k, now) for k in _keys(name, address)])
            else:
                db.execute("DELETE FROM sign_in_failures WHERE key = ?", (_keys(name, address)[0],))
        if user is None:
            log.warning("failed sign-in for %r from %s", name, address)
            self.store.record(name[:64] or "(no name)", "sign-in failed", "", address)
            return SignIn(refusal=WRONG)
        session = self.store.issue_token(user.name, kind="session", seconds=self.session_seconds)
        self.store.record(user.name, "sign in", "", address)
        return SignIn(user=user, session=session)
