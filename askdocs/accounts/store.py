"""The accounts database: one SQLite file beside the libraries (`LIBRARIES/.askdocs-accounts.sqlite3`).

Tables: `users` (name, role, Argon2id password hash or none), `grants` (the libraries each user is
given; "*" is every library, those added later too), `tokens` (SHA-256 digests of API tokens and page
sessions, never the tokens themselves; a session has an expiry) and `audit` (who did what, when, from
which address; appended, never rewritten), and `sign_in_failures` (an hour's failed sign-ins, by
name and by address: sign_in.py). Tokens are 256 random bits, so a plain digest is enough to
store them; passwords are hashed slowly (passwords.py). Every call opens its own connection, so one
store serves many threads; WAL lets readers go on while one writer writes.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from askdocs.accounts.passwords import hash_password, password_matches
from askdocs.accounts.records import AuditEntry, TokenInfo, User, check_account, split_grant
from askdocs.errors import AccountError

ACCOUNTS_FILE = ".askdocs-accounts.sqlite3"
TOKEN_PREFIX = "askdocs_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS grants (
    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE, library TEXT NOT NULL, role TEXT,
    PRIMARY KEY (user, library));
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    kind TEXT NOT NULL, created REAL NOT NULL, expires REAL);
CREATE TABLE IF NOT EXISTS sign_in_failures (key TEXT NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT, at REAL NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
    target TEXT NOT NULL, address TEXT NOT NULL);
"""


def folder_accounts(libraries_dir: Path) -> AccountStore | None:
    """A folder of libraries' accounts when it has any user, else None (and nothing is created).

    Asked at every request and page run: the store is opened once per process (its tables checked
    then), and each call reads one row (0.4 ms here, against 0.8 ms opening it afresh)."""
    path = Path(libraries_dir) / ACCOUNTS_FILE
    if not path.exists():
        return None
    store = opened_store(path)
    return store if store.has_users() else None


def _user(db: sqlite3.Connection, name: str) -> User | None:
    """The user of this name, read on an open connection; None when there is none."""
    row = db.execute("SELECT role FROM users WHERE name = ?", (name,)).fetchone()
    if row is None:
        return None
    grants = db.execute("SELECT library, role FROM grants WHERE user = ? ORDER BY library", (name,)).fetchall()
    own = tuple((library, role) for library, role in grants if role and role != row[0])
    return User(name, row[0], tuple(library for library, _ in grants), own)


def _grant_rows(name: str, libraries: list[str]) -> list[tuple[str, str, str | None]]:
    """The grants rows of `--library` entries ("legal", or "legal:editor" for a role of its own)."""
    return sorted({(name, *split_grant(entry)) for entry in libraries})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountStore:
    """Users, their libraries, tokens, sessions and the audit log, in one SQLite file (created on first use)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.exists():  # password hashes and token digests: readable by its owner only
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        with self.connect() as db:
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(_SCHEMA)
            if "role" not in [column[1] for column in db.execute("PRAGMA table_info(grants)")]:
                db.execute("ALTER TABLE grants ADD COLUMN role TEXT")  # a file from before per-library roles

    @classmethod
    def beside(cls, libraries_dir: Path) -> AccountStore:
        """The store of a folder of libraries."""
        return cls(Path(libraries_dir) / ACCOUNTS_FILE)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A connection to the file (autocommit, foreign keys on), closed when the block ends."""
        # WAL is a setting of the file (set once, with the tables); foreign keys are one of each connection.
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys = ON")
            yield db
        finally:
            db.close()

    def add_user(
        self,
        name: str,
        role: str,
        libraries: list[str],
        password: str | None = None,
        actor: str = "",
        address: str = "",
    ) -> User:
        """A new user with a role in these libraries (and a password, to sign in on the page)."""
        check_account(name, role, libraries, password)
        with self.connect() as db:
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "INSERT INTO users VALUES (?, ?, ?, ?)",
                    (name, role, hash_password(password) if password else None, time.time()),
                )
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                raise AccountError(f"a user named {name} exists already; change them with `users change`") from None
            db.executemany("INSERT INTO grants VALUES (?, ?, ?)", _grant_rows(name, libraries))
            self._record(db, actor, "add user", f"{name} ({role}: {', '.join(sorted(set(libraries)))})", address)
            db.execute("COMMIT")
            added = _user(db, name)
        assert added is not None
        return added

    def change_user(
        self,
        name: str,
        role: str | None = None,
        libraries: list[str] | None = None,
        password: str | None = None,
        actor: str = "",
        address: str = "",
    ) -> User:
        """Change a user's role, libraries (replaced) or password; what is None stays."""
        before = self.user(name)
        if before is None:
            raise AccountError(f"no user named {name}; add them with `users add`")
        check_account(
            name, role or before.role, libraries if libraries is not None else list(before.libraries), password
        )
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            if role is not None:
                db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name))
            if libraries is not None:
                db.execute("DELETE FROM grants WHERE user = ?", (name,))
                db.executemany("INSERT INTO grants VALUES (?, ?, ?)", _grant_rows(name, libraries))
            if password is not None:
                db.execute("UPDATE users SET password = ? WHERE name = ?", (hash_password(password), name))
            changed = [
                w for w, v in (("role", role), ("libraries", libraries), ("password", password)) if v is not None
            ]
            self._record(db, actor, "change user", f"{name}: {', '.join(changed) or 'nothing'}", address)
            db.execute("COMMIT")
        after = self.user(name)
        assert after is not None
        return after

    def remove_user(self, name: str, actor: str = "", address: str = "") -> None:
        """Remove a user, their libraries, tokens and sessions."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            if db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount == 0:
                db.execute("ROLLBACK")
                raise AccountError(f"no user named {name}")
            self._record(db, actor, "remove user", name, address)
            db.execute("COMMIT")

    def user(self, name: str) -> User | None:
        """The user of this name, or None."""
        with self.connect() as db:
            return _user(db, name)

    def has_users(self) -> bool:
        """Whether any user exists: from then on every request needs one (serve/http/access.py)."""
        with self.connect() as db:
            return db.execute("SELECT 1 FROM users LIMIT 1").fetchone() is not None

    def users(self) -> list[User]:
        """Every user, by name."""
        with self.connect() as db:
            names = [row[0] for row in db.execute("SELECT name FROM users ORDER BY name")]
            return [user for user in (_user(db, name) for name in names) if user is not None]

    def issue_token(
        self, name: str, kind: str = "api", seconds: float | None = None, actor: str = "", address: str = ""
    ) -> str:
        """A new token for the user (shown once; only its digest is kept); a session expires after `seconds`."""
        if self.user(name) is None:
            raise AccountError(f"no user named {name}; add them with `users add`")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = time.time() + seconds if seconds is not None else None
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO tokens VALUES (?, ?, ?, ?, ?)", (_digest(token), name, kind, time.time(), expires))
            if kind == "api":
                self._record(db, actor, "issue token", name, address)
            db.execute("COMMIT")
        return token

    def user_for_token(self, token: str, kind: str = "api") -> User | None:
        """The user a live token of this kind belongs to; None for an unknown, revoked or expired one."""
        with self.connect() as db:
            row = db.execute(
                "SELECT user FROM tokens WHERE digest = ? AND kind = ? AND (expires IS NULL OR expires > ?)",
                (_digest(token), kind, time.time()),
            ).fetchone()
            return _user(db, row[0]) if row else None

    def tokens(self, name: str | None = None) -> list[TokenInfo]:
        """The live tokens and sessions of a user (of everyone with None), newest first; never the tokens."""
        where, args = ("AND user = ?", (name,)) if name else ("", ())
        with self.connect() as db:
            rows = db.execute(
                f"SELECT substr(digest, 1, 12), user, kind, created, expires FROM tokens "
                f"WHERE (expires IS NULL OR expires > ?) {where} ORDER BY created DESC",
                (time.time(), *args),
            ).fetchall()
        return [TokenInfo(*row) for row in rows]

    def drop_token(self, name: str, label: str, actor: str = "", address: str = "") -> bool:
        """Revoke one of the user's tokens by its label (`tokens()`); whether there was one."""
        if not re.fullmatch(r"[0-9a-f]{12}", label):
            return False
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            dropped = db.execute(
                "DELETE FROM tokens WHERE user = ? AND substr(digest, 1, 12) = ?", (name, label)
            ).rowcount
            if dropped:
                self._record(db, actor, "revoke token", f"{name} ({label})", address)
            db.execute("COMMIT")
        return dropped > 0

    def end_session(self, token: str) -> None:
        """Sign a page session out: its token is forgotten at once."""
        with self.connect() as db:
            db.execute("DELETE FROM tokens WHERE digest = ? AND kind = 'session'", (_digest(token),))

    def revoke(self, name: str, actor: str = "", address: str = "") -> int:
        """End every token and session of the user at once; how many there were."""
        with self.connect() as db:
            db.execute("BEGIN IMMEDIATE")
            ended = db.execute("DELETE FROM tokens WHERE user = ?", (name,)).rowcount
            self._record(db, actor, "revoke", f"{name} ({ended} tokens and sessions)", address)
            db.execute("COMMIT")
        return ended

    def sign_in(self, name: str, password: str) -> User | None:
        """The user when the password is theirs; None otherwise, in the same time whether or not the user exists."""
        with self.connect() as db:
            row = db.execute("SELECT password FROM users WHERE name = ?", (name,)).fetchone()
        return self.user(name) if password_matches(row[0] if row else None, password) else None

    def record(self, actor: str, action: str, target: str, address: str = "") -> None:
        """Append a change to the audit log."""
        with self.connect() as db:
            self._record(db, actor, action, target, address)

    def audit(self, limit: int = 100) -> list[AuditEntry]:
        """The newest `limit` entries of the audit log, newest first."""
        with self.connect() as db:
            rows = db.execute(
                "SELECT at, actor, action, target, address FROM audit ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [AuditEntry(*row) for row in rows]

    @staticmethod
    def _record(db: sqlite3.Connection, actor: str, action: str, target: str, address: str) -> None:
        db.execute(
            "INSERT INTO audit (at, actor, action, target, address) VALUES (?, ?, ?, ?, ?)",
            (time.time(), actor or "(command line)", action, target, address),
        )


@lru_cache(maxsize=16)
def opened_store(path: Path) -> AccountStore:
    """The store of an existing accounts file, opened once per process (each call still opens the file)."""
    return AccountStore(path)
