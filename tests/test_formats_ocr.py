"""OCR: scanned PDF pages and image files read by the real engine, found by search and cited as OCR."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.ingest.corpus import CorpusFile, SkippedFile, read_file
from askdocs.ingest.formats import images, pdf
from askdocs.ingest.formats.base import ParseContext
from askdocs.ingest.formats.ocr_layout import TextBox, layout
from askdocs.ingest.pipeline import build_index
from askdocs.settings import IndexSettings, ReadLimits
from tests.conftest import make_pdf, write_corpus

RESERVOIR = (
    "The Kelvindale reservoir was opened in 1887 and holds thirty one billion litres of water.\n"
    "Its dam is built of granite blocks quarried on the island of Arran.\n"
    "Swimming in the reservoir has been forbidden since 1902."
)
NEWTS = (
    "Marbled newts lay their eggs on the leaves of water plants.\n"
    "Each female folds a leaf around every single egg to hide it from fish.\n"
    "The larvae hatch after about three weeks."
)
DISTRACTORS = {
    "reservoirs.txt": "A reservoir is an artificial lake that stores drinking water for a city.\n"
    "Many reservoirs in Scotland were built in the Victorian era to supply the growing towns.\n",
    "frogs.txt": "Common frogs lay their spawn in large floating clumps in shallow ponds in early spring.\n",
}


def page_image(text: str, dpi: int) -> Image.Image:
    """A page of `text` (a real PDF made with a font) rendered to a grayscale image, as a scanner would."""
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(make_pdf([text]))[0].render(scale=dpi / 72, grayscale=True).to_pil()


def scanned_pdf(pages: list[str], dpi: int = 200) -> bytes:
    """An image-only PDF: each page of text rendered at `dpi` and saved as a picture, with no text layer."""
    scans = [page_image(text, dpi) for text in pages]
    out = io.BytesIO()
    scans[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=scans[1:])
    return out.getvalue()


def png_of(text: str) -> bytes:
    """A PNG of `text`, cropped to the text like a screenshot."""
    from PIL import ImageOps

    image = page_image(text, 150)
    left, top, right, bottom = ImageOps.invert(image).getbbox()
    out = io.BytesIO()
    image.crop((left - 20, top - 20, right + 20, bottom + 20)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def samples() -> dict[str, bytes]:
    """A two-page scan (a cover line, then the reservoir facts on page 2) and a PNG of the newt facts."""
    return {"scan.pdf": scanned_pdf(["Annual report of the water board", RESERVOIR]), "newts.png": png_of(NEWTS)}


@pytest.fixture(scope="module")
def ocr_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder, samples: dict[str, bytes]) -> Path:
    """The one index the OCR tests build: the scan and the PNG among text files on the same topics."""
    root = tmp_path_factory.mktemp("ocr")
    corpus = write_corpus(root / "corpus", {**samples, **DISTRACTORS})
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    return root / "index"


def test_a_scanned_pdf_page_is_read_by_ocr_and_cited_by_page(ocr_index: Path) -> None:
    hits = Searcher.load(ocr_index).search("What stone is the dam of the Kelvindale reservoir built from?", k=3)
    top = hits[0]
    assert "granite" in top.text.lower()
    assert [(c.source, c.page, c.ocr) for c in top.citations] == [("scan.pdf", 2, True)]


def test_an_image_is_read_by_ocr_and_marked_ocr(ocr_index: Path) -> None:
    hits = Searcher.load(ocr_index).search("How do marbled newts hide their eggs?", k=3)
    top = hits[0]
    assert "folds a leaf" in top.text.lower()
    assert [(c.source, c.page, c.ocr) for c in top.citations] == [("newts.png", None, True)]


def test_with_ocr_off_images_are_skipped_and_scanned_pages_dropped(tmp_path: Path, samples: dict[str, bytes]) -> None:
    off = ReadLimits(ocr=False)
    corpus = write_corpus(tmp_path, {"newts.png": samples["newts.png"]})
    path = corpus / "newts.png"
    skipped = read_file(CorpusFile(path, "newts.png", path.stat().st_size, 0), off)
    # The refused content is recorded by its SHA-256, so the next build skips it unread (issue #25).
    assert skipped == SkippedFile(
        "newts.png", "OCR is off (--no-ocr)", hashlib.sha256(samples["newts.png"]).hexdigest()
    )
    parsed = pdf.parse(ParseContext("scan.pdf", off), samples["scan.pdf"])
    assert parsed.passages == []
    assert [(d.reason, d.text) for d in parsed.dropped] == [
        ("page without text layer; OCR is off", "page 1"),
        ("page without text layer; OCR is off", "page 2"),
    ]


def test_each_page_of_a_multi_page_tiff_is_cited_by_its_number() -> None:
    first, second = (
        Image.open(io.BytesIO(png_of(text)))
        for text in ("Owls can turn their heads a long way round.", "Herons stand still for hours in shallow water.")
    )
    tiff = io.BytesIO()
    first.save(tiff, "TIFF", save_all=True, append_images=[second])
    parsed = images.parse(ParseContext("birds.tiff"), tiff.getvalue())
    assert [(p.text, p.citations[0].page, p.citations[0].ocr) for p in parsed.passages] == [
        ("Owls can turn their heads a long way round.", 1, True),
        ("Herons stand still for hours in shallow water.", 2, True),
    ]


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header declares `width` x `height` pixels, followed by one tiny compressed row."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff")) + chunk(b"IEND", b"")
    )


def test_corrupt_and_oversized_images_are_skipped_with_a_reason(tmp_path: Path, samples: dict[str, bytes]) -> None:
    png = samples["newts.png"]
    files = {
        "truncated.png": png[: len(png) // 2],
        "garbage.jpg": b"\xff\xd8\xff\xe0 not really a jpeg",
        "bomb.png": png_header(10_000, 8_500),  # 85 million pixels, in a file of 60 bytes
    }
    corpus = write_corpus(tmp_path, files)
    reasons = {}
    for name in files:
        result = read_file(CorpusFile(corpus / name, name, (corpus / name).stat().st_size, 0), ReadLimits())
        assert isinstance(result, SkippedFile)
        reasons[name] = result.reason
    assert reasons["truncated.png"].startswith("image could not be decoded")
    assert reasons["garbage.jpg"].startswith("not a readable image")
    assert reasons["bomb.png"] == f"it is 10,000x8,500 pixels, more than the {images.MAX_PIXELS:,}-pixel limit"


def test_ocr_results_are_cached_and_a_corrupt_entry_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKDOCS_CACHE", str(tmp_path))
    data = scanned_pdf(["Otters hold hands while they sleep so that they do not drift apart."])
    first = pdf.parse(ParseContext("otters.pdf"), data)
    assert "hold hands" in first.passages[0].text
    (entry,) = (tmp_path / "ocr").rglob("*.json")
    written = entry.stat().st_mtime_ns
    # The second read is served from the cache: no new entry, the entry not rewritten, the same passages.
    assert pdf.parse(ParseContext("otters.pdf"), data) == first
    assert list((tmp_path / "ocr").rglob("*.json")) == [entry]
    assert entry.stat().st_mtime_ns == written
    assert not list((tmp_path / "ocr").rglob("*.tmp"))
    # A corrupt entry is read again by the engine and replaced.
    entry.write_text('{"engine": "', encoding="utf-8")
    assert pdf.parse(ParseContext("otters.pdf"), data) == first
    assert entry.read_text(encoding="utf-8").startswith('{"engine": "rapidocr-onnxruntime')


def box(text: str, left: float, top: float, right: float, confidence: float = 0.98) -> TextBox:
    return TextBox(text, confidence, left, top, right, top + 25)


def test_layout_reads_columns_in_order_and_splits_paragraphs_at_wide_gaps() -> None:
    # A title across two columns; the left column holds two paragraphs, the right one a hyphenated
    # word and a speck read with low confidence. Boxes come in the engine's top-to-bottom order.
    left = [box(f"left {n}", 50, top, 450) for n, top in ((1, 100), (2, 128), (3, 156), (4, 220), (5, 248))]
    right = [
        box("right begins the treat-", 500, 100, 900),
        box("ment of the page", 500, 128, 820),
        box("ssssaed", 850, 129, 900, confidence=0.3),
        box("and ends here.", 500, 156, 900),
    ]
    boxes = sorted([box("Both Columns Title", 300, 40, 700), *left, *right], key=lambda b: b.top)
    paragraphs = layout(boxes)
    assert [p.text for p in paragraphs] == [
        "Both Columns Title",
        "left 1 left 2 left 3",
        "left 4 left 5",
        "right begins the treatment of the page and ends here.",
    ]
    assert [p.heading for p in paragraphs] == [None, *["Both Columns Title"] * 3]
