"""serve/viewer: each format's cited place, opened from a real index of files the tests write."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.records import Citation, Hit
from askdocs.serve.uploads import DocumentMissingError
from askdocs.serve.viewer import ViewUnavailableError, open_view
from askdocs.serve.viewer.views import PictureView, TableView, TextView
from tests.conftest import make_pdf, write_corpus
from tests.test_formats_epub_rtf import make_epub
from tests.test_formats_ocr import NEWTS, RESERVOIR, png_of, scanned_pdf
from tests.test_formats_office import CSV, make_docx, make_pptx, make_xlsx
from tests.test_formats_opendocument import make_ods

NOTES = "# Field notes\n\n## Owls\n\nSnowy owls hunt lemmings by day.\n\nBarn owls hunt voles at night.\n"


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Searcher:
    from askdocs.ingest.pipeline import build_index
    from askdocs.settings import IndexSettings

    root = tmp_path_factory.mktemp("viewer")
    files: dict[str, str | bytes] = {
        "widget.docx": make_docx(),
        "drones.pptx": make_pptx(),
        "suppliers.xlsx": make_xlsx(),
        "stock.ods": make_ods(),
        "animals.csv": CSV,
        "skerry.epub": make_epub(),
        "notes.md": NOTES,
        "record.pdf": make_pdf(["A cover page about records.", "The two copies of the record are identical."]),
        "scan.pdf": scanned_pdf(["Annual report of the water board", RESERVOIR]),
        "newts.png": png_of(NEWTS),
    }
    corpus = write_corpus(root / "corpus", files)
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    return Searcher.load(root / "index")


def top(searcher: Searcher, question: str, source: str) -> tuple[Hit, str | None]:
    """The best hit of `source` for `question`, and its answering sentence."""
    hit = searcher.search(question, k=1, sources=[source])[0]
    return hit, hit.text[hit.highlight[0] : hit.highlight[1]] if hit.highlight else None


def test_a_word_passage_opens_in_its_section_with_its_sentence_marked(searcher: Searcher) -> None:
    hit, sentence = top(searcher, "does the installer need root on Linux", "widget.docx")
    view = open_view(searcher, hit.citations[0], sentence, hit.passage_id)
    assert isinstance(view, TextView) and view.place == "widget.docx, Installation > Linux, paragraph 4"
    cited = [block for block in view.blocks if block.cited]
    assert len(cited) == 1 and cited[0].heading == "Installation > Linux"
    start, end = cited[0].mark  # type: ignore[misc]
    assert "root privileges" in cited[0].text[start:end]
    # The rest of the section follows in reading order; the next section is not part of it.
    texts = [block.text for block in view.blocks]
    assert any("widget-deb" in text for text in texts) and not any("amber" in text for text in texts)


def test_a_slide_opens_whole_with_its_notes(searcher: Searcher) -> None:
    hit, sentence = top(searcher, "what frame rate should the camera record at", "drones.pptx")
    view = open_view(searcher, hit.citations[0], sentence)
    assert isinstance(view, TextView)
    assert [(block.heading, block.cited) for block in view.blocks] == [
        ("Camera settings", True),
        ("Camera settings (notes)", False),
    ]


def test_a_short_section_is_shown_with_its_neighbours_and_their_headings(searcher: Searcher) -> None:
    hit, sentence = top(searcher, "when do barn owls hunt", "notes.md")
    view = open_view(searcher, hit.citations[0], sentence)
    assert isinstance(view, TextView)
    assert [block.text for block in view.blocks] == [
        "Snowy owls hunt lemmings by day.",
        "Barn owls hunt voles at night.",
    ]
    assert view.blocks[0].heading == "Field notes > Owls" and view.blocks[1].cited


@pytest.mark.parametrize(
    ("question", "source", "header", "cited"),
    [
        ("which supplier makes the housings", "suppliers.xlsx", ["Supplier", "City", "Supplies", "Lead time"], 2),
        ("where do axolotls live", "animals.csv", ["species", "habitat", "diet"], 3),
        ("how many anchor winches are in stock", "stock.ods", ["Item", "Warehouse", "Quantity"], 5),
    ],
)
def test_a_row_opens_under_its_header_among_its_neighbours(
    searcher: Searcher, question: str, source: str, header: list[str], cited: int
) -> None:
    hit, sentence = top(searcher, question, source)
    view = open_view(searcher, hit.citations[0], sentence)
    assert isinstance(view, TableView) and view.header is not None
    assert list(view.header.cells) == header and view.header.number == 1
    assert [row.number for row in view.rows if row.cited] == [cited]
    assert len(view.rows) >= 2 and all(row.number > 1 for row in view.rows)


def test_a_pdf_page_is_rendered_with_the_sentence_marked_and_its_neighbours_without(searcher: Searcher) -> None:
    hit, sentence = top(searcher, "are the copies of the record identical", "record.pdf")
    view = open_view(searcher, hit.citations[0], sentence)
    assert isinstance(view, PictureView) and (view.page, view.pages, view.marked, view.cited) == (2, 2, True, True)
    other = open_view(searcher, hit.citations[0], sentence, page=1)
    assert isinstance(other, PictureView) and (other.page, other.marked, other.cited) == (1, False, False)
    with pytest.raises(ViewUnavailableError, match="not a page 3"):
        open_view(searcher, hit.citations[0], sentence, page=3)


def test_a_changed_pdf_is_rendered_again_not_served_from_the_cache(searcher: Searcher, tmp_path: Path) -> None:
    from askdocs.serve.viewer.pdf_page import rendered_page

    pdf = tmp_path / "changing.pdf"
    pdf.write_bytes(make_pdf(["Tide tables are posted daily."]))
    assert rendered_page(pdf, 1, "Tide tables are posted daily.").marked
    pdf.write_bytes(make_pdf(["Lighthouse keepers rang the fog bell."]))
    os.utime(pdf, ns=(1, 1))  # the same size is possible; the time differs
    assert not rendered_page(pdf, 1, "Tide tables are posted daily.").marked


def yellow_pixels(png: bytes) -> int:
    """Pixels of the mark's edge (its fill is see-through) in a rendered page or image."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for r, g, b in image.get_flattened_data() if r > 200 and g > 180 and b < 120)


def test_a_scanned_page_and_an_image_are_marked_by_their_ocr_lines(searcher: Searcher) -> None:
    hit, sentence = top(searcher, "what stone is the dam built from", "scan.pdf")
    assert hit.citations[0].ocr and "granite" in (sentence or "")
    view = open_view(searcher, hit.citations[0], sentence)
    assert isinstance(view, PictureView) and view.marked and yellow_pixels(view.png) > 150
    hit, sentence = top(searcher, "how do newts hide their eggs", "newts.png")
    view = open_view(searcher, hit.citations[0], sentence)
    assert isinstance(view, PictureView) and view.marked and view.page is None
    assert yellow_pixels(view.png) > 150
    assert yellow_pixels(open_view(searcher, hit.citations[0], "no such words here at all").png) == 0


def test_a_place_the_build_does_not_have_and_a_removed_file_are_clear_errors(searcher: Searcher) -> None:
    with pytest.raises(ViewUnavailableError, match="no such cited place"):
        open_view(searcher, Citation("widget.docx", paragraph=999))
    with pytest.raises(DocumentMissingError):
        open_view(searcher, Citation("never-indexed.docx", paragraph=1))
    corpus = Path(searcher.manifest.corpus_path)
    (corpus / "skerry.epub").unlink()
    with pytest.raises(DocumentMissingError, match="no longer in the library"):
        open_view(searcher, Citation("skerry.epub", chapter=1))


def test_a_workbooks_rows_are_kept_and_a_changed_workbook_is_read_again(tmp_path: Path) -> None:
    from openpyxl import Workbook

    from askdocs.serve.viewer import table_view as tables

    path = tmp_path / "stock.xlsx"

    def write(first_item: str) -> None:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Stock"
        sheet.append(["Item", "Count"])
        for n in range(2, 40):
            sheet.append([first_item if n == 2 else f"part {n}", n])
        workbook.save(path)

    write("anchor winch")
    first = tables.table_view(path, Citation("stock.xlsx", sheet="Stock", row=2))
    kept = [key for key in tables._SHEETS if key[0] == str(path)]
    assert len(kept) == 1 and not tables._SHEETS[kept[0]][1]  # only the first rows were read
    later = tables.table_view(path, Citation("stock.xlsx", sheet="Stock", row=38))
    assert [row.number for row in later.rows if row.cited] == [38] and first.rows[0].cells[0] == "anchor winch"
    assert tables._SHEETS[next(k for k in tables._SHEETS if k[0] == str(path))][1]  # read to the end now
    write("mooring line")
    os.utime(path, ns=(2, 2))
    again = tables.table_view(path, Citation("stock.xlsx", sheet="Stock", row=2))
    assert again.rows[0].cells[0] == "mooring line"
