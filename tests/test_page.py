"""The Streamlit page, driven with AppTest against real indexes."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_page(index: Path, monkeypatch: pytest.MonkeyPatch, question: str | None = None) -> AppTest:
    monkeypatch.setenv("ASKDOCS_INDEX", str(index))
    page = AppTest.from_file(APP, default_timeout=120)
    if question is not None:
        page.query_params["q"] = question
    return page.run()


def page_text(page: AppTest) -> str:
    return "\n".join(str(m.value) for m in page.markdown) + "\n".join(str(c.value) for c in page.caption)


def test_page_renders_results_with_citations(seed_like_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = run_page(seed_like_index, monkeypatch)
    assert not page.exception
    page.text_input(key="question").input("what is sciatica?").run()
    assert not page.exception
    text = page_text(page)
    assert "Sciatica is pain that radiates" in text
    assert "hips&#46;txt&#44; line 4" in text
    assert page.query_params["q"] == ["what is sciatica?"] or page.query_params["q"] == "what is sciatica?"


def test_page_without_index_names_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    page = run_page(tmp_path / "nowhere", monkeypatch)
    assert not page.exception
    assert "no index at" in page.error[0].value
    assert "python ingest.py --index" in page.code[0].value
