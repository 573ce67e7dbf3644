"""askdocs/accounts/ on a real SQLite file: users and their libraries, tokens, sessions, sign-in, the audit log."""

from __future__ import annotations

import sqlite3
import stat
import time
from pathlib import Path

import pytest

from askdocs.accounts import ACCOUNTS_FILE, AccountStore, allows
from askdocs.accounts.passwords import hash_password, password_matches
from askdocs.errors import AccountError

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> AccountStore:
    return AccountStore.beside(tmp_path)


def test_roles_each_allow_what_the_one_before_does_and_more() -> None:
    assert [allows("reader", a) for a in ("read", "write", "manage")] == [True, False, False]
    assert [allows("editor", a) for a in ("read", "write", "manage")] == [True, True, False]
    assert [allows("admin", a) for a in ("read", "write", "manage")] == [True, True, True]
    assert not allows("owner", "read") and not allows("admin", "delete everything")


def test_users_get_libraries_and_roles_that_can_be_changed_and_removed(store: AccountStore, tmp_path: Path) -> None:
    alice = store.add_user("alice", "editor", ["legal", "handbook", "legal"])
    assert alice.libraries == ("handbook", "legal") and alice.may_use("legal") and not alice.may_use("hr")
    assert store.add_user("bob", "admin", ["*"]).may_use("a library made later")
    changed = store.change_user("alice", role="reader", libraries=["hr"])
    assert (changed.role, changed.libraries) == ("reader", ("hr",))
    assert [u.name for u in store.users()] == ["alice", "bob"]
    store.remove_user("alice")
    assert store.user("alice") is None and [u.name for u in store.users()] == ["bob"]
    assert stat.S_IMODE((tmp_path / ACCOUNTS_FILE).stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("name", "role", "libraries", "password", "says"),
    [
        ("../etc", "reader", ["a"], None, "user name"),
        ("carol", "owner", ["a"], None, "role must be one of"),
        ("carol", "reader", [], None, "at least one library"),
        ("carol", "reader", ["a"], "short", "at least 10 characters"),
    ],
)
def test_what_the_accounts_cannot_take_is_refused_naming_why(
    store: AccountStore, name: str, role: str, libraries: list[str], password: str | None, says: str
) -> None:
    with pytest.raises(AccountError, match=says):
        store.add_user(name, role, libraries, password)
    assert store.users() == []


def test_a_library_may_have_a_role_of_its_own(store: AccountStore) -> None:
    """Reader of legal and hr, editor of the handbook; an admin of one library manages only its users."""
    rita = store.add_user("rita", "reader", ["legal", "hr", "handbook:editor"])
    assert [rita.role_in(lib) for lib in ("legal", "handbook", "sales")] == ["reader", "editor", None]
    assert rita.may("write", "handbook") and not rita.may("write", "legal") and rita.top_role() == "editor"
    assert rita.describe() == "rita: reader of hr, legal; editor of handbook"
    assert store.user("rita") == rita
    anyone = store.add_user("ann", "reader", ["*", "legal:admin"])  # reads everything, runs legal
    assert anyone.role_in("legal") == "admin" and anyone.role_in("hr") == "reader"
    assert anyone.may_manage(["legal"]) and not anyone.may_manage(["legal", "hr"]) and not anyone.may_manage([])
    with pytest.raises(AccountError, match="NAME:ROLE"):
        store.add_user("carl", "reader", ["legal:owner"])


def test_an_accounts_file_from_before_library_roles_is_read_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / ACCOUNTS_FILE
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE users (name TEXT PRIMARY KEY, role TEXT NOT NULL, password TEXT, created REAL NOT NULL);"
            "CREATE TABLE grants (user TEXT NOT NULL, library TEXT NOT NULL, PRIMARY KEY (user, library));"
            "INSERT INTO users VALUES ('old', 'editor', NULL, 0); INSERT INTO grants VALUES ('old', 'legal');"
        )
    store = AccountStore(path)
    assert store.user("old") is not None and store.user("old").may("write", "legal")  # type: ignore[union-attr]
    assert store.add_user("new", "reader", ["legal:editor"]).may("write", "legal")


def test_a_name_taken_or_missing_is_an_error_naming_the_command(store: AccountStore) -> None:
    store.add_user("alice", "reader", ["a"])
    with pytest.raises(AccountError, match="users change"):
        store.add_user("alice", "admin", ["*"])
    with pytest.raises(AccountError, match="users add"):
        store.issue_token("nobody")
    with pytest.raises(AccountError, match="no user named"):
        store.remove_user("nobody")


def test_tokens_are_kept_as_digests_and_revoked_with_sessions_at_once(store: AccountStore) -> None:
    store.add_user("alice", "editor", ["legal"])
    token = store.issue_token("alice")
    session = store.issue_token("alice", kind="session", seconds=60)
    assert store.user_for_token(token).name == "alice"  # type: ignore[union-attr]
    assert store.user_for_token(session) is None  # a session is not an API token
    assert store.user_for_token(session, kind="session").name == "alice"  # type: ignore[union-attr]
    with sqlite3.connect(store.path) as db:
        kept = [row[0] for row in db.execute("SELECT digest FROM tokens")]
    assert token not in kept and session not in kept and len(kept) == 2
    assert store.revoke("alice") == 2
    assert store.user_for_token(token) is None and store.user_for_token(session, kind="session") is None


def test_a_session_ends_when_it_expires(store: AccountStore) -> None:
    store.add_user("alice", "reader", ["a"])
    session = store.issue_token("alice", kind="session", seconds=0.2)
    assert store.user_for_token(session, kind="session") is not None
    time.sleep(0.3)
    assert store.user_for_token(session, kind="session") is None


def test_sign_in_takes_the_password_and_answers_an_unknown_user_alike(store: AccountStore) -> None:
    store.add_user("alice", "reader", ["a"], PASSWORD)
    assert store.sign_in("alice", PASSWORD).name == "alice"  # type: ignore[union-attr]
    assert store.sign_in("alice", "wrong password") is None
    assert store.sign_in("nobody", PASSWORD) is None  # checked against a stand-in hash, not skipped
    assert store.sign_in("bob", "") is None
    store.add_user("bob", "reader", ["a"])  # no password: API tokens only, never signs in
    assert store.sign_in("bob", "") is None
    with sqlite3.connect(store.path) as db:
        (stored,) = db.execute("SELECT password FROM users WHERE name = 'alice'").fetchone()
    assert PASSWORD not in stored and stored.startswith("$argon2id$")
    assert password_matches(hash_password(PASSWORD), PASSWORD) and not password_matches(None, PASSWORD)


def test_the_audit_log_records_every_change_newest_first_and_never_a_password(store: AccountStore) -> None:
    store.add_user("alice", "editor", ["legal"], PASSWORD, actor="root")
    store.change_user("alice", password="another long password", actor="root")
    store.issue_token("alice", actor="root")
    store.record("alice", "upload", "legal/contract.pdf", "127.0.0.1")
    store.revoke("alice", actor="root")
    entries = store.audit()
    assert [e.action for e in entries] == ["revoke", "upload", "issue token", "change user", "add user"]
    assert (entries[1].actor, entries[1].target, entries[1].address) == ("alice", "legal/contract.pdf", "127.0.0.1")
    assert entries[3].target == "alice: password"
    text = repr(entries)
    assert PASSWORD not in text and "another long password" not in text
    assert len(store.audit(limit=2)) == 2
