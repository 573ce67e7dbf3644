"""Signing in: sessions, the same answer for unknown users, and the wait after repeated failures."""

from __future__ import annotations

import time
from pathlib import Path

from askdocs.accounts import AccountStore
from askdocs.accounts.sign_in import FREE_FAILURES, MAX_WAIT_SECONDS, WRONG, SignInGate, _wait

PASSWORD = "a long enough password"


def gate(tmp_path: Path, session_seconds: float = 60) -> SignInGate:
    store = AccountStore(tmp_path / "accounts.sqlite3")
    store.add_user("rita", "reader", ["health"], PASSWORD)
    return SignInGate(store, session_seconds)


def test_the_wait_starts_after_the_free_failures_and_doubles_up_to_its_cap() -> None:
    now = 1000.0
    assert _wait([now - 1, now - 2, now - 3], now) == 0.0
    five = [now] * FREE_FAILURES
    assert _wait(five, now) == 1.0
    assert _wait([*five, now], now) == 2.0
    assert _wait([*five, now], now + 1.5) == 0.5
    assert _wait([now] * (FREE_FAILURES + 40), now) == MAX_WAIT_SECONDS


def test_a_right_password_opens_a_session_that_ends_when_signed_out(tmp_path: Path) -> None:
    signing = gate(tmp_path)
    result = signing.attempt("rita", PASSWORD, "10.0.0.7")
    assert result.user is not None and result.session
    store = signing.store
    assert store.user_for_token(result.session, kind="session") == result.user
    assert store.user_for_token(result.session) is None  # a session is not an API token
    store.end_session(result.session)
    assert store.user_for_token(result.session, kind="session") is None
    assert [e.action for e in store.audit(5)][:1] == ["sign in"]


def test_a_session_expires(tmp_path: Path) -> None:
    signing = gate(tmp_path, session_seconds=0.2)
    session = signing.attempt("rita", PASSWORD, "10.0.0.7").session
    assert session and signing.store.user_for_token(session, kind="session") is not None
    time.sleep(0.3)
    assert signing.store.user_for_token(session, kind="session") is None


def test_unknown_user_and_wrong_password_get_the_same_answer_and_both_count(tmp_path: Path) -> None:
    signing = gate(tmp_path)
    unknown = signing.attempt("nobody", PASSWORD, "10.0.0.8")
    wrong = signing.attempt("rita", "not the password!", "10.0.0.9")
    assert unknown == wrong and unknown.refusal == WRONG and unknown.session is None
    failed = [(e.actor, e.address) for e in signing.store.audit(5) if e.action == "sign-in failed"]
    assert set(failed) == {("nobody", "10.0.0.8"), ("rita", "10.0.0.9")}


def test_after_the_free_failures_even_the_right_password_waits(tmp_path: Path) -> None:
    signing = gate(tmp_path)
    for attempt in range(FREE_FAILURES):
        assert signing.attempt("rita", f"wrong password {attempt}", f"10.0.1.{attempt}").refusal == WRONG
    refused = signing.attempt("rita", PASSWORD, "10.0.2.1")  # the account waits, from any address
    assert refused.session is None and refused.wait_seconds > 0 and "try again" in refused.refusal
    assert signing.wait_seconds("someone-else", "10.0.2.1") == 0.0  # others are not held up


def test_one_address_trying_many_names_waits_too_and_a_success_clears_only_the_name(tmp_path: Path) -> None:
    signing = gate(tmp_path)
    for attempt in range(FREE_FAILURES):
        signing.attempt(f"guess{attempt}", "whatever password", "10.0.3.3")
    assert signing.wait_seconds("rita", "10.0.3.3") > 0
    assert signing.attempt("rita", PASSWORD, "10.0.3.4").session  # from elsewhere, rita signs in


def test_after_signing_in_only_the_pages_own_links_are_followed() -> None:
    from askdocs.serve.page.sign_in_routes import _then

    assert _then("/?lib=health&q=what+is+sciatica%3F") == "/?lib=health&q=what+is+sciatica%3F"
    for elsewhere in ("//evil.example", "https://evil.example/", "/?q=a\r\nSet-Cookie:x", "/sign-out", None):
        assert _then(elsewhere) == "/"
