"""EPUB and RTF, and one real index over every format of this family: each fact found first, cited
where a person can open it."""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from askdocs import Searcher
from askdocs.ingest.corpus import SkippedFile, list_corpus, read_file
from askdocs.ingest.formats import epub, rtf
from askdocs.ingest.formats.base import ParseContext, ParsedFile, SkipFileError
from askdocs.serve.presentation import citation_label
from askdocs.settings import ReadLimits
from tests.conftest import write_corpus
from tests.test_formats_opendocument import make_odp, make_ods, make_odt

# A 1x1 JPEG is enough for a cover image.
_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d"
    "1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100ffc4001f000001050101"
    "0101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000017d0102030004110512213141"
    "0613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a53"
    "5455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7"
    "b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffda0008010100003f00fbd3ffd9"
)
EPUB_FACT = "During storms the keeper rang the fog bell every ninety seconds until dawn."
RTF_FACT = "The oldest pear tree in the orchard was planted in 1887 by the miller's daughter, Agnes."


def make_epub() -> bytes:
    """A novel: cover, nav, a contents page of links, an image-only page and four chapters; the fact in chapter 3."""
    from ebooklib import epub as ebook

    book = ebook.EpubBook()
    book.set_identifier("keeper-1")
    book.set_title("The Keeper of Skerry Light")
    book.set_language("en")
    book.set_cover("cover.jpg", _JPEG)

    def page(name: str, title: str, body: str) -> ebook.EpubHtml:
        item = ebook.EpubHtml(title=title, file_name=name, lang="en")
        item.content = f"<html><head><title>{title}</title></head><body>{body}</body></html>"
        book.add_item(item)
        return item

    contents = page(
        "contents.xhtml",
        "Contents",
        "<h1>Contents</h1><p><a href='c1.xhtml'>Arrival at the skerry</a></p><p><a href='c2.xhtml'>Supplies"
        " and provisions</a></p><p><a href='c3.xhtml'>The storm</a></p><p><a href='c4.xhtml'>Relief</a></p>",
    )
    picture = page("plate.xhtml", "Plate", "<div><img src='cover.jpg' alt=''/></div>")
    c1 = page(
        "c1.xhtml",
        "Arrival",
        "<h1>Arrival at the skerry</h1><p>The boat left Ona harbour at first light and reached the skerry by noon.</p>",
    )
    c2 = page(
        "c2.xhtml",
        "Supplies",
        "<p>The supply list for the winter was long and carefully kept by the keeper in a ledger.</p>"
        "<table><thead><tr><th>Supply</th><th>Amount</th></tr></thead>"
        "<tbody><tr><td>lamp oil</td><td>forty barrels</td></tr><tr><td></td><td></td></tr>"
        "<tr><td>ship's biscuit</td><td>twelve crates</td></tr></tbody></table>",
    )
    c3 = page(
        "c3.xhtml",
        "The storm",
        "<h1>The storm</h1><p>The wind rose in the afternoon and the sea broke white over the landing stage.</p>"
        f"<h2>The fog bell</h2><p>{EPUB_FACT}</p>",
    )
    c4 = page(
        "c4.xhtml",
        "Relief",
        "<p>In April the relief keeper arrived with letters, fresh bread and news from the mainland.</p>",
    )
    book.toc = [ebook.Link("c1.xhtml", "Arrival", "c1"), ebook.Link("c2.xhtml", "Supplies and provisions", "c2")]
    book.toc += [ebook.Link("c3.xhtml", "The storm", "c3"), ebook.Link("c4.xhtml", "Relief", "c4")]
    book.add_item(ebook.EpubNcx())
    book.add_item(ebook.EpubNav())
    book.spine = ["cover", "nav", contents, picture, c1, c2, c3, c4]
    buffer = io.BytesIO()
    ebook.write_epub(buffer, book)
    return buffer.getvalue()


def make_rtf() -> bytes:
    """A short RTF letter with a header, a footer, a table and the fact in paragraph 3."""
    return (
        r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\froman Times New Roman;}}"
        r"{\header \pard Orchard society newsletter header line\par}"
        r"{\footer \pard Page footer of the orchard society newsletter\par}"
        "\n"
        r"\pard\b Orchard history\b0\par"
        r"\pard The society met in the village hall on a wet Tuesday evening in October.\par"
        r"\pard\par"
        "\n"
        r"\pard " + RTF_FACT.replace("'", r"\'92") + r"\par"
        r"\trowd\cellx3000\cellx6000\pard\intbl Variety\cell Trees\cell\row"
        r"\trowd\cellx3000\cellx6000\pard\intbl Conference pear\cell 14\cell\row"
        r"\pard Caf\'e9 owners in the village buy most of the windfall apples for their pies.\par"
        "}"
    ).encode("ascii")


def parse_epub(data: bytes) -> ParsedFile:
    return epub.parse(ParseContext("keeper.epub"), data)


def test_epub_chapters_count_text_documents_only() -> None:
    parsed = parse_epub(make_epub())
    got = [(p.text[:30], p.citations[0].chapter, p.citations[0].section) for p in parsed.passages]
    # Cover, nav, the contents page and the image-only page are not chapters.
    assert (
        got
        == [
            ("The boat left Ona harbour at f", 1, "Arrival at the skerry"),
            ("The supply list for the winter", 2, "Supplies and provisions"),  # no heading: the toc entry
            ("Supply: lamp oil; Amount: fort", 2, "Supplies and provisions"),
            ("Supply: ship's biscuit; Amount", 2, "Supplies and provisions"),
            ("The wind rose in the afternoon", 3, "The storm"),
            (EPUB_FACT[:30], 3, "The storm > The fog bell"),
            ("In April the relief keeper arr", 4, "Relief"),
        ]
    )
    assert all(p.title == p.citations[0].section for p in parsed.passages)


def test_drm_encrypted_epub_is_skipped() -> None:
    original = zipfile.ZipFile(io.BytesIO(make_epub()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in original.namelist():
            archive.writestr(name, original.read(name))
        archive.writestr(
            "META-INF/encryption.xml",
            '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
            'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:CipherData>'
            '<enc:CipherReference URI="EPUB/c3.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>',
        )
    with pytest.raises(SkipFileError, match="DRM"):
        parse_epub(buffer.getvalue())


def test_rtf_paragraph_numbers_tables_and_no_headers_or_footers() -> None:
    parsed = rtf.parse(ParseContext("letter.rtf"), make_rtf())
    got = [(p.text, p.citations[0].paragraph) for p in parsed.passages]
    assert got == [
        # A short title is the document's own text, not a menu: kept (issue #25).
        ("Orchard history", 1),
        ("The society met in the village hall on a wet Tuesday evening in October.", 2),
        (RTF_FACT.replace("'", "\u2019"), 3),
        ("Variety: Conference pear; Trees: 14", 5),
        ("Café owners in the village buy most of the windfall apples for their pies.", 6),
    ]
    assert parsed.dropped == []


def test_rtf_on_one_long_line_with_many_fields_is_fast() -> None:
    # striprtf's hyperlink pattern is quadratic on such a line unless fields are split apart.
    field = r"{\field{\*\fldinst{ PAGEREF _Toc12345 \\h }}{\fldrslt{7}}} entry "
    data = (r"{\rtf1\ansi\pard Contents of the long report follow here. " + field * 6000 + r"\par}").encode()
    started = time.monotonic()
    parsed = rtf.parse(ParseContext("toc.rtf"), data)
    assert time.monotonic() - started < 5
    assert parsed.passages[0].text.startswith("Contents of the long report follow here. 7 entry 7 entry")


def test_rtf_pictures_are_passed_over_quickly() -> None:
    # striprtf alone walks a picture's hex dump a character at a time (about 4 s for this one).
    picture = r"{\pict\pngblip" + "\n" + ("0123456789abcdef" * 8 + "\n") * 50_000 + "}"
    data = (
        rb"{\rtf1\ansi\pard Before the picture comes a sentence.\par"
        + picture.encode()
        + rb"\pard After it, another.\par}"
    )
    started = time.monotonic()
    parsed = rtf.parse(ParseContext("picture.rtf"), data)
    assert time.monotonic() - started < 1.5
    assert [p.text for p in parsed.passages] == ["Before the picture comes a sentence.", "After it, another."]


@pytest.mark.parametrize("suffix", [".epub", ".rtf"])
def test_corrupt_epub_and_rtf_files_are_skipped_with_reason(tmp_path: Path, suffix: str) -> None:
    corpus = write_corpus(tmp_path / "c", {f"random{suffix}": os.urandom(4096)})
    (file,), _ = list_corpus(corpus)
    result = read_file(file, ReadLimits(max_bytes=10**7))
    assert isinstance(result, SkippedFile)
    expected = "not a valid zip-based document" if suffix == ".epub" else "not an RTF file"
    assert result.reason.startswith(expected)


def test_one_index_finds_each_fact_first_where_a_person_can_open_it(make_index: Callable[..., Path]) -> None:
    index = make_index(
        {
            "manual.odt": make_odt(),
            "review.odp": make_odp(),
            "stock.ods": make_ods(),
            "keeper.epub": make_epub(),
            "letter.rtf": make_rtf(),
        }
    )
    searcher = Searcher.load(index)
    expected = {
        "Which minimum version of vault-core is required?": ("7.4.2", "manual.odt, Installation > Linux, paragraph 6"),
        "How often does the backup daemon write snapshots?": ("six hours", "manual.odt, Configuration, paragraph 10"),
        "How much did Nordic revenue grow in the third quarter?": (
            "14 percent",
            'review.odp, slide 3 "Nordic expansion"',
        ),
        "When did the Oslo office open?": ("in March", 'review.odp, slide 3 "Nordic expansion (notes)"'),
        "Which warehouse stores the anchor winches?": ("Stavanger", "stock.ods, sheet Inventory, row 5"),
        "How often was the fog bell rung during storms?": (
            "ninety",
            "keeper.epub, chapter 3, The storm > The fog bell",
        ),
        "Who planted the oldest pear tree in the orchard?": ("Agnes", "letter.rtf, paragraph 3"),
    }
    for question, (fact, label) in expected.items():
        top = searcher.search(question, 3)[0]
        assert fact in top.text and citation_label(top.citations[0]) == label, (question, top.text, top.citations)
