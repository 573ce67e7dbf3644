"""Issue #26 in a real headless Chromium: "Open" on a hit shows the cited place, the answering
sentence marked, for a PDF, a Word file, an HTML page, a slide deck and a workbook the test writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from askdocs.encoders import Encoder
from tests.conftest import make_pdf, write_corpus
from tests.test_browser import ARTIFACTS, CHROMIUM, page_server
from tests.test_formats_office import make_docx, make_pptx, make_xlsx

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)"
)

HARBOUR = "Ships must report their draught to the harbour master before entering the inner basin."
HTML = """<!doctype html><html><head><title>Kiln manual</title></head><body>
<h1 id="kiln">Kiln manual</h1><p>The kiln fires stoneware and porcelain up to 1300 degrees.</p>
<h2 id="cooling">Cooling down</h2><p>Opening the lid early cracks the glaze.
Never open the kiln lid above 200 degrees; wait until the controller shows it has cooled.</p>
<p>Cooling from 1300 degrees takes about fourteen hours.</p>
<h2 id="cleaning">Cleaning</h2><p>Vacuum the elements once a month.</p></body></html>"""


@pytest.fixture(scope="module")
def viewer_server(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[str, Path]]:
    from askdocs.ingest.pipeline import build_index
    from askdocs.settings import IndexSettings

    root = tmp_path_factory.mktemp("viewer")
    files: dict[str, str | bytes] = {
        "harbour.pdf": make_pdf(["Harbour rules", f"Tide tables are posted daily.\n{HARBOUR}", "Lighthouse keepers."]),
        "widget.docx": make_docx(),
        "kiln.html": HTML,
        "drones.pptx": make_pptx(),
        "suppliers.xlsx": make_xlsx(),
        "gone.txt": "Carrier pigeons were used to carry messages between the lighthouses.\n",
    }
    corpus = write_corpus(root / "corpus", files)
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    with page_server("--index", str(root / "index")) as url:
        yield url, corpus


def open_buttons(page):
    """The hits' Open buttons, the best answer's first (not the file filter's own "Open" control)."""
    return page.locator('[data-testid="stButton"] button', has_text="Open")


def open_first(page, url: str, question: str):
    """Ask `question`, press the first Open (the best answer's) and return the dialog."""
    page.goto(f"{url}/?q={quote(question)}")
    page.get_by_text("Best answer").wait_for()
    open_buttons(page).first.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    return dialog


def test_pdf_opens_at_the_cited_page_with_the_sentence_marked_and_pages_turn(viewer_server, page) -> None:
    url, _ = viewer_server
    dialog = open_first(page, url, "what must ships report to the harbour master")
    dialog.get_by_text("harbour.pdf, page 2").wait_for()
    dialog.get_by_text("The answering sentence is marked.").wait_for()
    dialog.get_by_text("Page 2 of 3").wait_for()
    image = dialog.locator("img").first
    image.wait_for()
    # Loaded, at the rendered width (the element can exist before its picture has arrived).
    page.wait_for_function("(img) => img.complete && img.naturalWidth >= 1000", arg=image.element_handle())
    page.screenshot(path=str(ARTIFACTS / "viewer-pdf.png"))
    dialog.get_by_role("button", name="Next page").click()
    dialog.get_by_text("Page 3 of 3").wait_for()
    # Page 3 holds no cited sentence: the note goes (the page redraws after the new page shows).
    dialog.get_by_text("The answering sentence is marked.").wait_for(state="detached")


@pytest.mark.parametrize(
    ("question", "place", "marked", "around", "shot"),
    [
        # A Word file: the section around the passage, in reading order (the package table's rows follow).
        (
            "does the installer need root privileges on Linux",
            "widget.docx, Installation > Linux, paragraph 4",
            "root privileges",
            ["widget-deb"],
            "viewer-docx.png",
        ),
        # An HTML page: the section under its heading path.
        (
            "when is it safe to open the kiln lid",
            "kiln.html#cooling, Kiln manual > Cooling down",
            "open the kiln lid above 200 degrees",
            ["fourteen hours"],
            "viewer-html.png",
        ),
        # A slide deck: the whole slide, its speaker notes included.
        (
            "what frame rate should the drone camera record at",
            'drones.pptx, slide 2 "Camera settings"',
            "30 frames per second",
            ["Camera settings (notes)", "Show the sample video."],
            "viewer-pptx.png",
        ),
    ],
)
def test_a_text_passage_opens_in_its_section_with_the_sentence_marked(
    viewer_server, page, question: str, place: str, marked: str, around: list[str], shot: str
) -> None:
    url, _ = viewer_server
    dialog = open_first(page, url, question)
    dialog.get_by_text(place, exact=False).wait_for()
    mark = dialog.locator(".askdocs-cited mark")
    mark.wait_for()
    assert marked in mark.inner_text()
    view = dialog.locator(".askdocs-view").inner_text()
    assert all(text in view for text in around)
    page.screenshot(path=str(ARTIFACTS / shot))


def test_xlsx_opens_the_cited_row_under_its_header(viewer_server, page) -> None:
    url, _ = viewer_server
    dialog = open_first(page, url, "which supplier makes the injection-moulded housings")
    dialog.get_by_text("suppliers.xlsx, sheet Suppliers, row 2").wait_for()
    cited = dialog.locator("tr.askdocs-cited-row")
    cited.wait_for()
    assert "Fabrikam Plastics" in cited.inner_text() and "Lyon" in cited.inner_text()
    assert dialog.locator("thead").inner_text().split()[:2] == ["1", "Supplier"]
    assert "Tailspin Optics" in dialog.locator("tbody").inner_text()
    page.screenshot(path=str(ARTIFACTS / "viewer-xlsx.png"))


def test_a_removed_file_says_it_is_gone(viewer_server, page) -> None:
    url, corpus = viewer_server
    page.goto(f"{url}/?q={quote('how were messages carried between lighthouses')}")
    page.get_by_text("Best answer").wait_for()
    (corpus / "gone.txt").unlink()
    open_buttons(page).first.click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("This document is no longer in the library", exact=False).wait_for()
    assert page.get_by_text("Traceback").count() == 0
    assert dialog.locator(".stException").count() == 0
