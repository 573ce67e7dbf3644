"""A shared folder of libraries on the real page (`streamlit run page.py`), signed in from Chromium and over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from askdocs.accounts import AccountStore, User
from askdocs.accounts.sign_in import FREE_FAILURES
from askdocs.encoders import Encoder
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.settings import IndexSettings
from tests.conftest import SEED_LIKE, write_corpus
from tests.test_browser import CHROMIUM, page_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
KITES = {"kites.md": "# Flying\n\nBox kites fly best in steady winds of fifteen knots.\n"}
PASSWORDS = {"rita": "rita-reads-health", "eddie": "eddie-edits-kites", "ada": "ada-admin-of-all"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[str, AccountStore, Path]]:
    """The page over two libraries, health and kites: rita reads health, eddie edits kites, ada is admin of all."""
    root = tmp_path_factory.mktemp("shared") / "libraries"
    write_corpus(root / "health", SEED_LIKE)
    write_corpus(root / "kites", KITES)
    for name in ("health", "kites"):
        build_index(root / name, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    store = AccountStore.beside(root)
    store.add_user("rita", "reader", ["health"], PASSWORDS["rita"])
    store.add_user("eddie", "editor", ["kites"], PASSWORDS["eddie"])
    store.add_user("ada", "admin", ["*"], PASSWORDS["ada"])
    with page_server("--libraries", str(root), script="page.py") as url:
        yield url, store, root


def sign_in(page, url: str, name: str, password: str) -> None:
    page.goto(f"{url}/sign-in")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"Signed in as {name}", exact=False).first.wait_for()


def test_a_visitor_sees_only_the_sign_in_and_the_cookie_is_http_only(shared, page) -> None:
    url, _, _ = shared
    page.goto(f"{url}/?lib=health&q={quote('what is sciatica?')}")
    page.get_by_text("sign in to search them", exact=False).first.wait_for()
    assert "Sciatica" not in page.inner_text("body")
    page.get_by_text("Sign in", exact=True).first.click()  # the link keeps the question for after
    page.get_by_label("User name").fill("rita")
    page.get_by_label("Password").fill(PASSWORDS["rita"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("Sciatica is pain that radiates", exact=False).first.wait_for()
    cookie = next(c for c in page.context.cookies() if c["name"] == "askdocs_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["expires"] > time.time()
    assert "askdocs_session" not in page.evaluate("document.cookie")


def test_a_reader_sees_their_library_only_and_no_upload_panel(shared, page) -> None:
    url, _, _ = shared
    sign_in(page, url, "rita", PASSWORDS["rita"])
    page.goto(f"{url}/?lib=health&q={quote('what is sciatica?')}")
    page.get_by_text("Sciatica is pain that radiates", exact=False).first.wait_for()
    assert page.get_by_text("Add or remove documents").count() == 0
    page.goto(f"{url}/?lib=kites&q={quote('box kites wind')}")  # another library, asked for by name
    page.get_by_text("Signed in as rita", exact=False).first.wait_for()
    page.wait_for_timeout(1500)
    body = page.inner_text("body")
    assert "Box kites" not in body and "kites" not in body.replace("box kites wind", "")


def test_an_editor_uploads_into_their_library_and_the_audit_log_names_them(shared, page) -> None:
    url, store, root = shared
    sign_in(page, url, "eddie", PASSWORDS["eddie"])
    page.goto(f"{url}/?lib=kites")
    page.get_by_text("Add or remove documents").first.click()
    page.locator("input[type=file]").set_input_files(
        files=[
            {"name": "delta.md", "mimeType": "text/markdown", "buffer": b"# Delta kites\n\nDelta kites turn fast.\n"}
        ]
    )
    page.get_by_role("button", name="Add to the library").click()
    page.get_by_text("Added delta.md", exact=False).first.wait_for()
    assert (root / "kites" / "delta.md").exists()
    assert ("eddie", "upload", "kites/delta.md") in [(e.actor, e.action, e.target) for e in store.audit(20)]
    assert not (root / "health" / "delta.md").exists()
    # Once the page's ingest has published it, eddie removes it again: recorded under his name too.
    page.get_by_text("The library is up to date", exact=False).first.wait_for(timeout=120_000)
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Remove a document").click()
    page.get_by_role("option", name="delta.md").click()
    page.get_by_role("button", name="Remove it from the library").click()
    page.get_by_text("Removed delta.md", exact=False).first.wait_for()
    assert not (root / "kites" / "delta.md").exists()
    assert ("eddie", "remove", "kites/delta.md") in [(e.actor, e.action, e.target) for e in store.audit(20)]


def test_an_admin_adds_a_user_who_can_then_sign_in(shared, browser) -> None:
    url, store, _ = shared
    admin = browser.new_context(viewport={"width": 1100, "height": 1400}).new_page()
    admin.set_default_timeout(60_000)
    sign_in(admin, url, "ada", PASSWORDS["ada"])
    admin.get_by_text("Users and audit log").first.click()
    admin.get_by_label("User name").fill("newbie")
    admin.get_by_label("Password (at least 10 characters)").fill("newbie-password")
    admin.locator('[data-testid="stMultiSelect"]').first.click()
    admin.get_by_role("option", name="health").click()
    admin.keyboard.press("Escape")
    admin.get_by_role("button", name="Add", exact=True).click()
    admin.get_by_text("Added newbie", exact=False).first.wait_for()
    assert store.user("newbie") == User("newbie", "reader", ("health",))
    assert any(e.actor == "ada" and e.action == "add user" and e.address for e in store.audit(20))
    admin.context.close()
    newcomer = browser.new_context().new_page()
    newcomer.set_default_timeout(60_000)
    sign_in(newcomer, url, "newbie", "newbie-password")
    newcomer.context.close()


def test_sign_out_ends_the_session_and_its_cookie_opens_nothing_after(shared, browser) -> None:
    url, _, _ = shared
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, url, "rita", PASSWORDS["rita"])
    kept = [dict(c) for c in context.cookies() if c["name"] == "askdocs_session"]
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("sign in to search them", exact=False).first.wait_for()
    context.close()
    replay = browser.new_context()  # the old cookie, sent again
    replay.add_cookies(kept)
    again = replay.new_page()
    again.goto(f"{url}/?lib=health&q={quote('what is sciatica?')}")
    again.get_by_text("sign in to search them", exact=False).first.wait_for()
    assert "Sciatica" not in again.inner_text("body")
    replay.close()


def test_revoking_a_user_ends_their_page_session_at_once(shared, page) -> None:
    url, store, _ = shared
    sign_in(page, url, "eddie", PASSWORDS["eddie"])
    store.revoke("eddie")
    page.reload()
    page.get_by_text("sign in to search them", exact=False).first.wait_for()


def test_fifty_wrong_passwords_are_slowed_and_logged_and_unknown_users_look_the_same(shared) -> None:
    url, store, _ = shared
    answers = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for attempt in range(50):
            name = "ada" if attempt % 2 else "nobody-here"
            answers.append(http.post("/sign-in", data={"name": name, "password": "not-the-password"}))
        first_two = answers[0], answers[1]  # an unknown user and a wrong password: the same answer
        assert first_two[0].status_code == first_two[1].status_code == 401
        assert "wrong user name or password" in first_two[0].text and "wrong user name or password" in first_two[1].text
        refused = [a for a in answers if a.status_code == 429]
        assert len([a for a in answers if a.status_code == 401]) == FREE_FAILURES
        assert len(refused) == 50 - FREE_FAILURES and all(int(a.headers["retry-after"]) >= 1 for a in refused)
        # While the address waits, even the right password is not checked.
        assert http.post("/sign-in", data={"name": "ada", "password": PASSWORDS["ada"]}).status_code == 429
    failures = [e for e in store.audit(200) if e.action == "sign-in failed"]
    assert len(failures) >= FREE_FAILURES and len({e.address for e in failures}) == 1 and failures[0].address
    assert all("not-the-password" not in f"{e.actor}{e.target}" for e in store.audit(200))


def test_behind_a_sign_in_proxy_the_page_takes_the_user_from_its_header(shared, browser) -> None:
    """The proxy on this machine (127.0.0.1) names the user; the same header from a browser's own
    request to the page without the proxy setting names nobody."""
    url, _, root = shared
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ASKDOCS_SIGN_IN_PROXY", "127.0.0.1")
        env.setenv("ASKDOCS_USER_HEADER", "X-Forwarded-User")
        with page_server("--libraries", str(root), script="page.py") as proxied:
            context = browser.new_context(extra_http_headers={"X-Forwarded-User": "rita"})
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(f"{proxied}/?lib=health&q={quote('what is sciatica?')}")
            page.get_by_text("Signed in as rita", exact=False).first.wait_for()
            page.get_by_text("Sciatica is pain that radiates", exact=False).first.wait_for()
            context.close()
    context = browser.new_context(extra_http_headers={"X-Forwarded-User": "rita"})
    page = context.new_page()
    page.goto(f"{url}/?lib=health&q={quote('what is sciatica?')}")
    page.get_by_text("sign in to search them", exact=False).first.wait_for(timeout=60_000)
    context.close()
