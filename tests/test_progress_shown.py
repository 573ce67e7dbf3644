"""What the page and GET /documents/status say while an ingest publishes a library in steps (index/progress.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from askdocs.index.progress import IngestProgress, clear_progress, write_progress
from askdocs.serve.http.app import create_app
from tests.conftest import SEED_LIKE
from tests.test_http import get, thread_server
from tests.test_page import run_page

HALFWAY = IngestProgress(1200, 5000, 3, 0.0, 0.0, 2400.0)


def test_a_page_without_an_index_says_how_far_the_first_ingest_is_then_opens(
    make_index: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = tmp_path / "index"
    index.mkdir()
    write_progress(index, IngestProgress(0, 5000, 0, 0.0, 0.0, None))
    page = run_page(index, monkeypatch)
    assert not page.exception and not page.error
    assert "Reading the library for the first time: 0 of 5,000 files searchable" in page.info[0].value
    clear_progress(index)
    page.run()
    assert "no index at" in page.error[0].value  # no ingest under way: the command that builds one
    assert make_index(SEED_LIKE, name="index") == index  # the first build, published into the same folder
    page.run()
    assert not page.exception and not page.error and page.text_input(key="question") is not None


def test_a_page_says_what_is_searchable_while_the_ingest_runs(
    seed_like_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_progress(seed_like_index, HALFWAY)
    try:
        page = run_page(seed_like_index, monkeypatch, "what is sciatica?")
        said = [str(e.value) for e in page.info] + [str(e.value) for e in page.sidebar.caption]
    finally:
        clear_progress(seed_like_index)
    assert not page.exception
    assert any("Still reading the library: 1,200 of 5,000 files searchable, about 40 minutes left" in s for s in said)
    assert "1,200 of 5,000 files searchable, about 40 minutes left" in said


def test_documents_status_gives_the_same_while_it_runs_and_null_after(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    with thread_server(create_app(index)) as url:
        assert get(url, "/documents/status").json()["searchable"] is None
        write_progress(index, HALFWAY)
        searchable = get(url, "/documents/status").json()["searchable"]
        assert searchable == {
            "files": 1200,
            "of_files": 5000,
            "steps": 3,
            "seconds_left": 2400.0,
            "text": "1,200 of 5,000 files searchable, about 40 minutes left",
        }
        clear_progress(index)
        assert get(url, "/documents/status").json()["searchable"] is None
