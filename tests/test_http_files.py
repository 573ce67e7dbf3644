"""GET /files/{source}: the original file a citation names, and nothing else (routers/files.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from askdocs.encoders import Encoder
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.serve.http.app import create_app, create_libraries_app
from askdocs.settings import IndexSettings
from tests.conftest import SEED_LIKE, write_corpus
from tests.test_http import TOKEN, get, thread_server

PDF_LIKE = {"guide.md": "# Guide\n\nA heat pack eases a stiff back in the morning.\n"}


@pytest.fixture
def library(make_index: Any) -> tuple[Path, Path]:
    """(corpus, index) of the seed-like library plus a Markdown guide."""
    index = make_index({**SEED_LIKE, **PDF_LIKE})
    return index.parent / "index-corpus", index


def test_a_cited_file_is_served_whole_as_an_attachment(library: tuple[Path, Path]) -> None:
    corpus, index = library
    with thread_server(create_app(index)) as url:
        hit = get(url, "/search", q="heat pack for a stiff back", k=1).json()["hits"][0]
        source = hit["citations"][0]["source"]
        response = get(url, f"/files/{source}")
    assert source == "guide.md" and response.status_code == 200
    assert response.content == (corpus / "guide.md").read_bytes()
    assert response.headers["content-type"].startswith("text/markdown")
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("..%2Foutside.txt", 422),
        ("%2Fetc%2Fpasswd", 422),
        ("sub%2F..%2F..%2Foutside.txt", 422),
        ("%2e%2e/outside.txt", 422),
        (".askdocs-upload.lock", 422),
        ("askdocs.toml", 422),
        ("a%00b.txt", 422),
        ("linked.txt", 404),  # a link leading outside: never indexed, never served
        ("later.txt", 404),  # in the folder, not in the live build
        ("missing.txt", 404),
    ],
)
def test_nothing_but_the_librarys_own_files_is_served(library: tuple[Path, Path], source: str, status: int) -> None:
    corpus, index = library
    outside = corpus.parent / "outside.txt"
    outside.write_text("not the library's\n")
    (corpus / "askdocs.toml").write_text('title = "x"\n')
    (corpus / "later.txt").write_text("Added after the build.\n")
    (corpus / "linked.txt").symlink_to(outside)
    with thread_server(create_app(index)) as url:
        response = httpx.get(f"{url}/files/{source}", timeout=30)
    assert response.status_code == status, response.text
    assert list(response.json()) == ["error"]
    assert "not the library's" not in response.text


def test_a_removed_file_is_a_404_and_the_token_guards_files(library: tuple[Path, Path]) -> None:
    corpus, index = library
    with thread_server(create_app(index, token=TOKEN)) as url:
        assert get(url, "/files/guide.md").status_code == 401
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{url}/files/guide.md", headers=good, timeout=30).status_code == 200
        (corpus / "guide.md").unlink()
        gone = httpx.get(f"{url}/files/guide.md", headers=good, timeout=30)
        assert gone.status_code == 404 and "no longer in the library" in gone.json()["error"]


def test_with_libraries_a_file_comes_from_the_library_named(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    for name, files in (("health", SEED_LIKE), ("kites", {"kites.md": "# Kites\n\nBox kites like steady wind.\n"})):
        corpus = write_corpus(root / name, files)
        build_index(corpus, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    with thread_server(create_libraries_app(root)) as url:
        assert get(url, "/files/kites.md", lib="kites").content == (root / "kites" / "kites.md").read_bytes()
        assert get(url, "/files/kites.md", lib="health").status_code == 404
        assert get(url, "/files/kites.md").status_code == 422  # several libraries: lib is required
        assert get(url, "/files/kites.md", lib="all").status_code == 422
