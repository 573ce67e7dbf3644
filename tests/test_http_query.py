"""GET /search with the query language: the parsed query beside the hits, a 422 for a malformed one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from askdocs.encoders import Encoder
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.serve.cli import main as cli_main
from askdocs.serve.http.app import create_app, create_libraries_app
from askdocs.settings import IndexSettings
from tests.conftest import SEED_LIKE, make_pdf, write_corpus
from tests.test_http import get, thread_server


def test_search_returns_the_parsed_query_and_narrowed_hits(make_index: Any) -> None:
    index = make_index({**SEED_LIKE, "guide.pdf": make_pdf(["A heat pack eases a stiff back in the morning."])})
    with thread_server(create_app(index)) as url:
        body = get(url, "/search", q='stiff back "heat pack" -knee type:pdf after:2000-01-01', k=3).json()
        plain = get(url, "/search", q="stiff back", k=3).json()
    assert body["query"] == {
        "question": "stiff back heat pack",
        "phrases": ["heat pack"],
        "excluded": ["knee"],
        "filters": {"type": ["pdf"], "folder": [], "file": [], "after": "2000-01-01", "before": None},
    }
    assert [hit["citations"][0]["source"] for hit in body["hits"]] == ["guide.pdf"]
    assert plain["query"]["phrases"] == [] and len(plain["hits"]) == 3


def test_a_malformed_query_is_a_422_naming_the_syntax(make_index: Any) -> None:
    index = make_index(SEED_LIKE)
    with thread_server(create_app(index)) as url:
        for q in ("back pain after:yesterday", 'back "pain'):
            response = get(url, "/search", q=q)
            assert response.status_code == 422
            assert "Query syntax" in response.json()["error"]


def test_with_libraries_filters_apply_to_every_library(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    for name, files in (
        ("health", {**SEED_LIKE, "back.pdf": make_pdf(["Back pain eases with gentle walking."])}),
        ("kites", {"kites.md": "Box kites like steady wind.\n"}),
    ):
        corpus = write_corpus(root / name, files)
        build_index(corpus, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    with thread_server(create_libraries_app(root)) as url:
        body = get(url, "/search", q="walking back pain type:pdf", lib="all", k=5).json()
        bad = get(url, "/search", q="walking before:soon", lib="all")
    assert {(hit["library"], hit["citations"][0]["source"]) for hit in body["hits"]} == {("health", "back.pdf")}
    assert body["query"]["filters"]["type"] == ["pdf"]
    assert bad.status_code == 422 and "before:YYYY-MM-DD" in bad.json()["error"]


def test_the_cli_says_what_is_wrong_with_a_query(seed_like_index: Path, capsys: Any) -> None:
    assert cli_main(["ask", "back pain after:someday", "--index", str(seed_like_index)]) == 2
    assert "after:YYYY-MM-DD" in capsys.readouterr().err
