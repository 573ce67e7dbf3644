"""GET /views and GET /page-images: a hit's cited place from the API (routers/views.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from askdocs.encoders import Encoder
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.serve.http.app import create_app, create_libraries_app
from askdocs.settings import IndexSettings
from tests.conftest import SEED_LIKE, make_pdf, write_corpus
from tests.test_formats_office import make_xlsx
from tests.test_http import TOKEN, get, thread_server

GUIDE = "# Guide\n\n## Mornings\n\nA heat pack eases a stiff back in the morning. Stretch slowly.\n\nWalk for ten minutes.\n"
RECORD_PAGE = (
    "The two copies of the record are identi-\ncal, and the change is perma-\nnent once saved.\n\n"
    "A heat pack eases a stiff back in the morning."
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> tuple[Path, Path]:
    """(corpus, index): the seed-like library, a Markdown guide, a workbook and a two-page PDF."""
    root = tmp_path_factory.mktemp("views")
    files = {**SEED_LIKE, "guide.md": GUIDE, "suppliers.xlsx": make_xlsx()}
    files["record.pdf"] = make_pdf(["A cover page about records.", RECORD_PAGE])
    corpus = write_corpus(root / "corpus", files)
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    return corpus, root / "index"


def first_hit(url: str, question: str, **params: Any) -> tuple[dict[str, Any], str]:
    """The best hit's first citation and answering sentence, as /search gives them."""
    hit = get(url, "/search", q=question, k=1, **params).json()["hits"][0]
    start, end = hit["highlight"]
    return hit["citations"][0], hit["text"][start:end]


def test_a_text_hit_opens_as_json_in_its_section(library: tuple[Path, Path]) -> None:
    _, index = library
    with thread_server(create_app(index)) as url:
        citation, sentence = first_hit(url, "does a heat pack help a stiff back")
        response = get(
            url, "/views", **{k: v for k, v in citation.items() if k not in ("span", "title")}, mark=sentence
        )
    assert response.status_code == 200, response.text
    view = response.json()
    assert (
        view["kind"] == "text"
        and view["source"] == "guide.md"
        and view["place"] == "guide.md, Guide > Mornings, line 5"
    )
    cited = [block for block in view["blocks"] if block["cited"]]
    assert len(cited) == 1 and cited[0]["heading"] == "Guide > Mornings"
    start, end = cited[0]["mark"]
    assert cited[0]["text"][start:end] == sentence
    assert [block["text"] for block in view["blocks"]][-1] == "Walk for ten minutes."


def test_a_row_opens_as_json_under_its_header(library: tuple[Path, Path]) -> None:
    _, index = library
    with thread_server(create_app(index)) as url:
        response = get(url, "/views", source="suppliers.xlsx", sheet="Suppliers", row=3)
        missing = get(url, "/views", source="suppliers.xlsx", sheet="Nowhere", row=3)
        beyond = get(url, "/views", source="suppliers.xlsx", sheet="Suppliers", row=99)
    view = response.json()
    assert view["kind"] == "table" and view["header"]["cells"] == ["Supplier", "City", "Supplies", "Lead time"]
    assert [(row["number"], row["cited"]) for row in view["rows"]] == [(2, False), (3, True), (5, False)]
    assert missing.status_code == 404 and "no such cited place" in missing.json()["error"]
    assert beyond.status_code == 404 and "no row 99" in beyond.json()["error"]


def marked_pixels(png: bytes) -> int:
    """Pixels of the mark's edge in a rendered page."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.get_flattened_data() if r > 200 and g > 180 and b < 120)


def test_a_pdf_hit_opens_as_its_page_with_the_sentence_marked(library: tuple[Path, Path]) -> None:
    _, index = library
    with thread_server(create_app(index)) as url:
        citation, sentence = first_hit(url, "are the two copies of the record identical")
        assert (citation["source"], citation["page"]) == ("record.pdf", 2)
        assert "identical" in sentence  # joined across the line-end hyphen
        view = get(url, "/views", source="record.pdf", page=2, mark=sentence)
        marked = get(url, "/page-images", source="record.pdf", page=2, mark=sentence)
        plain = get(url, "/page-images", source="record.pdf", page=2)
        elsewhere = get(url, "/page-images", source="record.pdf", page=1, mark=sentence)
        assert view.status_code == 200 and view.headers["content-type"] == "image/png"
        assert view.headers["x-answer-marked"] == "true" and view.headers["x-page-count"] == "2"
        assert marked_pixels(view.content) > 300 and marked.content == view.content
        assert marked_pixels(plain.content) == 0 and plain.headers["x-answer-marked"] == "false"
        assert marked_pixels(elsewhere.content) == 0  # not on that page: nothing marked
        assert get(url, "/page-images", source="record.pdf", page=3).status_code == 404
        assert get(url, "/views", source="record.pdf", page=3).status_code == 404
        assert get(url, "/page-images", source="hips.txt", page=1).status_code == 422
        assert get(url, "/page-images", source="record.pdf", page=0).status_code == 422


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("../outside.txt", 422),
        ("/etc/passwd", 422),
        ("sub/../../outside.txt", 422),
        ("askdocs.toml", 422),
        ("a\x00b.txt", 422),
        ("linked.txt", 404),  # a link leading outside: never indexed, never served
        ("missing.txt", 404),
    ],
)
def test_views_open_nothing_but_the_librarys_own_files(library: tuple[Path, Path], source: str, status: int) -> None:
    corpus, index = library
    outside = corpus.parent / "outside.txt"
    outside.write_text("not the library's\n")
    if not (corpus / "linked.txt").is_symlink():
        (corpus / "linked.txt").symlink_to(outside)
    with thread_server(create_app(index)) as url:
        for path in ("/views", "/page-images"):
            response = get(url, path, source=source, line=1, page=1)
            assert response.status_code == status, response.text
            assert list(response.json()) == ["error"] and "not the library's" not in response.text


def test_the_token_guards_views_and_a_removed_file_is_a_404(make_index: Any) -> None:
    index = make_index({**SEED_LIKE, "guide.md": GUIDE})
    corpus = index.parent / "index-corpus"
    with thread_server(create_app(index, token=TOKEN)) as url:
        assert get(url, "/views", source="guide.md", line=5).status_code == 401
        good = {"Authorization": f"Bearer {TOKEN}"}
        params = {"source": "guide.md", "line": 5}
        assert httpx.get(f"{url}/views", params=params, headers=good, timeout=30).status_code == 200
        (corpus / "guide.md").unlink()
        gone = httpx.get(f"{url}/views", params=params, headers=good, timeout=30)
        assert gone.status_code == 404 and "no longer in the library" in gone.json()["error"]


def test_with_libraries_a_view_comes_from_the_library_named(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    for name, files in (("health", SEED_LIKE), ("kites", {"kites.md": "# Kites\n\nBox kites like steady wind.\n"})):
        corpus = write_corpus(root / name, files)
        build_index(corpus, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    with thread_server(create_libraries_app(root, read_only=True)) as url:
        hit = get(url, "/search", q="what wind do box kites like", k=1, lib="all").json()["hits"][0]
        assert hit["library"] == "kites"
        view = get(url, "/views", source="kites.md", line=3, lib=hit["library"])
        assert view.status_code == 200 and view.json()["blocks"][0]["text"] == "Box kites like steady wind."
        assert get(url, "/views", source="kites.md", line=3, lib="health").status_code == 404
        assert get(url, "/views", source="kites.md", line=3, lib="all").status_code == 422
