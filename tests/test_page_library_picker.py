"""The page over a folder of libraries (picker, ?lib= links, "all"), read-only mode and removal, with AppTest."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from askdocs.accounts import AccountStore
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.settings import IndexSettings
from tests.conftest import SEED_LIKE, write_corpus

APP = str(Path(__file__).resolve().parent.parent / "app.py")
KITES = {"kites.md": "# Flying\n\nBox kites fly best in steady winds of fifteen knots.\n"}
NOTICE = 'notice = "Not medical advice."\n'


@pytest.fixture
def libraries(tmp_path: Path, encoder: Encoder) -> Path:
    root = tmp_path / "libraries"
    write_corpus(root / "health", {**SEED_LIKE, "askdocs.toml": NOTICE})
    write_corpus(root / "kites", KITES)
    for name in ("health", "kites"):
        build_index(root / name, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    return root


def open_page(root: Path, monkeypatch: pytest.MonkeyPatch, read_only: bool = False, **params: str) -> AppTest:
    monkeypatch.delenv("ASKDOCS_INDEX", raising=False)
    monkeypatch.setenv("ASKDOCS_LIBRARIES", str(root))
    if read_only:
        monkeypatch.setenv("ASKDOCS_READ_ONLY", "1")
    page = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        page.query_params[key] = value
    return page.run()


def shown(page: AppTest) -> str:
    parts = [str(e.value) for kind in ("markdown", "caption", "info", "warning", "error") for e in getattr(page, kind)]
    text = html.unescape("\n".join(parts))
    # And without tags: a passage's words are split by <mark> and <strong>.
    return text + "\n" + re.sub(r"<[^>]+>", "", text)


def test_lib_link_opens_that_library_and_never_mixes_in_another(libraries: Path, monkeypatch) -> None:
    page = open_page(libraries, monkeypatch, lib="kites", q="what wind do box kites need")
    assert not page.exception
    assert page.sidebar.selectbox(key="library").value == "kites"
    text = shown(page)
    assert "Box kites fly best" in text and "kites.md" in text
    assert "medical advice" not in text  # the other library's notice
    assert "hips.txt" not in text and "back.txt" not in text

    page.sidebar.selectbox(key="library").set_value("health").run()
    text = shown(page)
    assert "Not medical advice" in text
    assert "kites.md" not in text
    assert page.query_params["lib"] in ("health", ["health"])


def test_all_libraries_searches_each_and_labels_the_hits(libraries: Path, monkeypatch) -> None:
    page = open_page(libraries, monkeypatch, lib="all", q="box kites and back pain")
    assert not page.exception
    text = shown(page)
    assert "Library: kites" in text and "Library: health" in text
    assert "health: Not medical advice." in text  # each library's notice, named


def test_unknown_lib_falls_back_to_the_first_library(libraries: Path, monkeypatch) -> None:
    page = open_page(libraries, monkeypatch, lib="nope")
    assert not page.exception
    assert page.sidebar.selectbox(key="library").value == "health"


def test_read_only_page_offers_no_upload_or_removal(libraries: Path, monkeypatch) -> None:
    writable = open_page(libraries, monkeypatch, lib="kites")
    assert any(e.label == "Add or remove documents" for e in writable.sidebar.expander)
    page = open_page(libraries, monkeypatch, read_only=True, lib="kites")
    assert not page.exception
    assert not any(e.label == "Add or remove documents" for e in page.sidebar.expander)


def test_removing_a_document_on_the_page_takes_its_passages_out(libraries: Path, monkeypatch) -> None:
    index = libraries / INDEX_FOLDER / "health"
    before = publication.current_token(index)
    page = open_page(libraries, monkeypatch, lib="health", q="what is sciatica")
    assert "Sciatica is pain" in shown(page)
    page.sidebar.selectbox(key="remove_choice").set_value("hips.txt").run()
    page.sidebar.button(key="remove").click().run()
    assert not (libraries / "health" / "hips.txt").exists()
    deadline = time.monotonic() + 120  # a bound on the wait, not a speed check
    while publication.current_token(index) == before and time.monotonic() < deadline:
        time.sleep(0.2)
    page.run()
    assert "Sciatica is pain" not in shown(page)
    assert "hips.txt" not in shown(page)


def test_a_missing_library_index_names_the_command(tmp_path: Path, monkeypatch) -> None:
    write_corpus(tmp_path / "libs" / "fresh", KITES)
    page = open_page(tmp_path / "libs", monkeypatch)
    assert not page.exception
    assert "no index at" in page.error[0].value
    assert f"python ingest.py --libraries {tmp_path / 'libs'}" in page.code[0].value


def test_a_folder_with_accounts_shows_nothing_but_the_sign_in(libraries: Path, monkeypatch) -> None:
    AccountStore.beside(libraries)  # an accounts file without users changes nothing
    assert "Box kites" in shown(open_page(libraries, monkeypatch, q="box kites", lib="kites"))
    AccountStore.beside(libraries).add_user("rita", "reader", ["health"])
    # Served as app.py alone (no sign-in routes): refused, naming the way that signs people in.
    page = open_page(libraries, monkeypatch, q="box kites", lib="kites")
    assert not page.exception
    assert "have accounts" in page.error[0].value and "streamlit run page.py" in page.error[0].value
    assert "Box kites" not in shown(page) and "hip" not in shown(page).lower()
    # With the routes (page.py), a visitor without a session sees the sign-in link and nothing else.
    monkeypatch.setenv("ASKDOCS_SIGN_IN_ROUTES", "1")
    page = open_page(libraries, monkeypatch, q="box kites", lib="kites")
    assert not page.exception and not page.error
    # What a visitor reads (the sign-in link carries their own link's query back, not the library's words).
    seen = re.sub(r"<[^>]+>", "", html.unescape("\n".join(str(e.value) for e in [*page.markdown, *page.info])))
    assert "sign in" in seen.lower() and "/sign-in?next=" in shown(page)
    assert "Box kites" not in seen and "hip" not in seen.lower() and "kites" not in seen
    assert not page.sidebar.selectbox


def test_a_folder_with_accounts_may_be_served_beyond_this_machine(libraries: Path, monkeypatch) -> None:
    """Beyond loopback, writes on: refused without accounts; with them everyone signs in, so it serves."""
    from streamlit import config

    saved = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        page = open_page(libraries, monkeypatch, q="box kites", lib="kites")
        assert "--server.address localhost" in page.error[0].value and "accounts" in page.error[0].value
        AccountStore.beside(libraries).add_user("rita", "reader", ["health"])
        monkeypatch.setenv("ASKDOCS_SIGN_IN_ROUTES", "1")
        page = open_page(libraries, monkeypatch, q="box kites", lib="kites")
        assert not page.exception and not page.error
        assert "sign in" in shown(page).lower() and "Box kites" not in shown(page)
    finally:
        config.set_option("server.address", saved)
