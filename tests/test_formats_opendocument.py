"""OpenDocument text, presentations and spreadsheets: documents written with odfpy, read back."""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from askdocs.ingest.corpus import Document, SkippedFile, list_corpus, read_file
from askdocs.ingest.formats import opendocument
from askdocs.ingest.formats.base import ParseContext, ParsedFile, SkipFileError
from askdocs.settings import ReadLimits
from tests.conftest import write_corpus

ODT_TABLE_FACT = "Minimum version: 7.4.2"
ODT_PARAGRAPH_FACT = "The backup daemon writes its snapshots to /srv/vault every six hours by default."


def _save(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _cell(text: str = "", repeat: int = 1, value_type: str = "string") -> object:
    from odf.table import TableCell
    from odf.text import P

    cell = TableCell(valuetype=value_type, **({"numbercolumnsrepeated": repeat} if repeat > 1 else {}))
    if text:
        cell.addElement(P(text=text))
    return cell


def _table(name: str, rows: list[list[str]]) -> object:
    from odf.table import Table, TableRow

    table = Table(name=name)
    for cells in rows:
        row = TableRow()
        for text in cells:
            row.addElement(_cell(text))
        table.addElement(row)
    return table


def make_odt() -> bytes:
    """A manual: headings two levels deep, a table, a footnote, a text box, a TOC and a page footer."""
    from odf.draw import Frame, TextBox
    from odf.opendocument import OpenDocumentText
    from odf.style import Footer, MasterPage, PageLayout
    from odf.text import H, IndexBody, List, ListItem, Note, NoteBody, NoteCitation, P, TableOfContent

    doc = OpenDocumentText()
    layout = PageLayout(name="pm1")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    footer = Footer()
    footer.addElement(P(text="Confidential draft, printed at the foot of every single page."))
    master.addElement(footer)
    doc.masterstyles.addElement(master)

    toc = TableOfContent(name="Contents")
    index = IndexBody()
    index.addElement(P(text="Installation of the vault software 1"))
    toc.addElement(index)
    doc.text.addElement(toc)  # block 1 (dropped)
    doc.text.addElement(H(outlinelevel=1, text="Installation"))  # 2
    doc.text.addElement(P(text="Vault runs on any server with two gigabytes of memory and a recent kernel."))  # 3
    doc.text.addElement(P(text=""))  # empty: not counted
    doc.text.addElement(H(outlinelevel=2, text="Linux"))  # 4
    doc.text.addElement(
        _table(
            "Requirements",
            [
                ["Package", "Minimum version", "Purpose"],  # 5
                ["vault-core", "7.4.2", "the storage engine and its command line tools"],  # 6
                ["", "", ""],  # empty: not counted
                ["vault-web", "2.0", "the browser front end for administrators"],  # 7
            ],
        )
    )
    items = List()
    item = ListItem()
    item.addElement(P(text="Install the packages with the system package manager before anything else."))  # 8
    items.addElement(item)
    doc.text.addElement(items)
    doc.text.addElement(H(outlinelevel=1, text="Configuration"))  # 9
    with_note = P(text=ODT_PARAGRAPH_FACT)  # 10
    note = Note(noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Snapshots older than thirty days are pruned by a separate timer job."))
    note.addElement(body)
    with_note.addElement(note)
    doc.text.addElement(with_note)
    anchor = P(text="")  # 11: holds only a text box, whose text joins it
    frame = Frame(width="5cm", height="2cm", anchortype="paragraph")
    box = TextBox()
    box.addElement(P(text="Tip: keep the vault disk separate from the system disk for safety."))
    frame.addElement(box)
    anchor.addElement(frame)
    doc.text.addElement(anchor)
    doc.text.addElement(H(outlinelevel=2, text="Logging"))  # 12
    doc.text.addElement(P(text="Log files rotate weekly and the last eight weeks are kept on disk."))  # 13
    return _save(doc)


def _page(name: str, master: object, title: str | None, texts: list[str], notes: str | None = None) -> object:
    from odf.draw import Frame, Page, TextBox
    from odf.presentation import Notes
    from odf.text import P

    page = Page(name=name, masterpagename=master)
    if title is not None:
        frame = Frame(width="20cm", height="3cm", x="1cm", y="1cm", placeholder="true")
        frame.setAttrNS("urn:oasis:names:tc:opendocument:xmlns:presentation:1.0", "class", "title")
        box = TextBox()
        box.addElement(P(text=title))
        frame.addElement(box)
        page.addElement(frame)
    for text in texts:
        frame = Frame(width="20cm", height="10cm", x="1cm", y="5cm")
        box = TextBox()
        for line in text.split("\n"):
            box.addElement(P(text=line))
        frame.addElement(box)
        page.addElement(frame)
    footer = Frame(width="20cm", height="1cm", x="1cm", y="18cm")
    footer.setAttrNS("urn:oasis:names:tc:opendocument:xmlns:presentation:1.0", "class", "footer")
    footer_box = TextBox()
    footer_box.addElement(P(text="Northwind Traders quarterly review, internal use only"))
    footer.addElement(footer_box)
    page.addElement(footer)
    if notes is not None:
        holder = Notes()
        frame = Frame(width="20cm", height="10cm", x="1cm", y="10cm")
        frame.setAttrNS("urn:oasis:names:tc:opendocument:xmlns:presentation:1.0", "class", "notes")
        box = TextBox()
        box.addElement(P(text=notes))
        frame.addElement(box)
        holder.addElement(frame)
        page.addElement(holder)
    return page


def make_odp() -> bytes:
    """Four slides: slide 3 holds a fact in a text box and another in its speaker notes."""
    from odf.opendocument import OpenDocumentPresentation
    from odf.style import MasterPage, PageLayout

    doc = OpenDocumentPresentation()
    layout = PageLayout(name="pl1")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    doc.masterstyles.addElement(master)
    slides = [
        _page("page1", master, "Northwind quarterly review", ["Agenda: sales, hiring and the product roadmap."]),
        _page("page2", master, "Hiring", ["We hired eleven engineers and two designers this quarter."]),
        _page(
            "page3",
            master,
            "Nordic expansion",
            ["Revenue from the Nordic region grew by 14 percent in the third quarter.\nMargins held steady."],
            notes="Explain that the new Oslo office opened in March and drove most of the Nordic growth.",
        ),
        _page("Roadmap", master, None, ["The mobile app ships in spring, followed by offline sync."]),
    ]
    for page in slides:
        doc.presentation.addElement(page)
    return _save(doc)


def make_ods() -> bytes:
    """Two sheets; the second has repeated empty rows and columns, and the fact in row 5."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow

    doc = OpenDocumentSpreadsheet()
    doc.spreadsheet.addElement(
        _table("Staff", [["Name", "Team"], ["Ingrid Solberg", "Logistics"], ["Tomas Berg", "Finance"]])
    )
    sheet = Table(name="Inventory")
    rows: list[object] = []
    header = TableRow()
    for text in ("Item", "Warehouse", "Quantity"):
        header.addElement(_cell(text))
    rows.append(header)  # row 1
    first = TableRow()
    for text in ("forklift batteries", "Trondheim", "12"):
        first.addElement(_cell(text))
    rows.append(first)  # row 2
    rows.append(TableRow(numberrowsrepeated=2))  # rows 3-4, empty
    fact = TableRow()
    for text in ("anchor winches", "Stavanger"):
        fact.addElement(_cell(text))
    fact.addElement(_cell("37", value_type="float"))
    fact.addElement(_cell("", repeat=1000))  # trailing empty columns
    rows.append(fact)  # row 5
    empty = TableRow(numberrowsrepeated=1048570)
    empty.addElement(_cell("", repeat=1024))
    rows.append(empty)  # rows 6 to the sheet's end
    for row in rows:
        sheet.addElement(row)
    doc.spreadsheet.addElement(sheet)
    return _save(doc)


def parse(name: str, data: bytes) -> ParsedFile:
    return opendocument.parse(ParseContext(name), data)


def test_odt_heading_paths_and_paragraph_numbers() -> None:
    parsed = parse("manual.odt", make_odt())
    got = [(p.text[:40], p.title, p.citations[0].section, p.citations[0].paragraph) for p in parsed.passages]
    assert got == [
        ("Vault runs on any server with two gigaby", "Installation", "Installation", 3),
        ("Package: vault-core; Minimum version: 7.", "Installation > Linux", "Installation > Linux", 6),
        ("Package: vault-web; Minimum version: 2.0", "Installation > Linux", "Installation > Linux", 7),
        ("Install the packages with the system pac", "Installation > Linux", "Installation > Linux", 8),
        (ODT_PARAGRAPH_FACT[:40], "Configuration", "Configuration", 10),
        ("Snapshots older than thirty days are pru", "Configuration", "Configuration", 10),
        ("Tip: keep the vault disk separate from t", "Configuration", "Configuration", 11),
        ("Log files rotate weekly and the last eig", "Configuration > Logging", "Configuration > Logging", 13),
    ]
    assert parsed.passages[1].text == (
        "Package: vault-core; Minimum version: 7.4.2; Purpose: the storage engine and its command line tools"
    )
    # The TOC is dropped with its reason; the page footer (a master page) is never read.
    assert [(d.reason, d.text) for d in parsed.dropped] == [
        ("table of contents or index", "Installation of the vault software 1")
    ]
    assert not any("Confidential" in p.text for p in parsed.passages)


def test_odp_slides_titles_notes_and_footers() -> None:
    parsed = parse("review.odp", make_odp())
    got = [(p.text[:30], p.citations[0].slide, p.citations[0].section, p.title) for p in parsed.passages]
    assert got == [
        ("Agenda: sales, hiring and the ", 1, "Northwind quarterly review", "Northwind quarterly review"),
        ("We hired eleven engineers and ", 2, "Hiring", "Hiring"),
        ("Revenue from the Nordic region", 3, "Nordic expansion", "Nordic expansion"),
        ("Explain that the new Oslo offi", 3, "Nordic expansion (notes)", "Nordic expansion (notes)"),
        # No title placeholder: the page's name stands in.
        ("The mobile app ships in spring", 4, "Roadmap", "Roadmap"),
    ]
    assert parsed.passages[2].text.endswith("third quarter. Margins held steady.")
    assert {d.reason for d in parsed.dropped} == {"slide header, footer, date or number"}
    assert not any("Northwind Traders" in p.text for p in parsed.passages)


def test_ods_rows_count_repeats_without_looping() -> None:
    started = time.monotonic()
    parsed = parse("stock.ods", make_ods())
    assert time.monotonic() - started < 5
    got = [(p.text, p.citations[0].sheet, p.citations[0].row, p.title) for p in parsed.passages]
    assert got == [
        ("Name: Ingrid Solberg; Team: Logistics", "Staff", 2, "Staff"),
        ("Name: Tomas Berg; Team: Finance", "Staff", 3, "Staff"),
        ("Item: forklift batteries; Warehouse: Trondheim; Quantity: 12", "Inventory", 2, "Inventory"),
        ("Item: anchor winches; Warehouse: Stavanger; Quantity: 37", "Inventory", 5, "Inventory"),
    ]


def test_ods_repeated_cells_keep_their_columns(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableRow

    doc = OpenDocumentSpreadsheet()
    sheet = Table(name="Wide")
    header = TableRow()
    for cell in (_cell("Code"), _cell("", repeat=3), _cell("Region")):
        header.addElement(cell)
    row = TableRow(numberrowsrepeated=3)  # three identical rows: read once, cited to the first
    for cell in (_cell("N-7"), _cell("", repeat=3), _cell("North")):
        row.addElement(cell)
    filled = TableRow()
    for cell in (_cell("S-2"), _cell("tbd", repeat=2)):
        filled.addElement(cell)
    for element in (header, row, filled):
        sheet.addElement(element)
    doc.spreadsheet.addElement(sheet)
    parsed = parse("wide.ods", _save(doc))
    assert [(p.text, p.citations[0].row) for p in parsed.passages] == [
        ("Code: N-7; Region: North", 2),
        ("Code: S-2; tbd; tbd", 5),
    ]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_encrypted_odf_is_skipped_with_reason() -> None:
    manifest = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="2048">
  <manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="aGVsbG8=">
   <manifest:algorithm manifest:algorithm-name="Blowfish CFB" manifest:initialisation-vector="aGVsbG8="/>
   <manifest:key-derivation manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" manifest:salt="aGk="/>
  </manifest:encryption-data>
 </manifest:file-entry>
</manifest:manifest>"""
    data = _zip(
        {
            "mimetype": b"application/vnd.oasis.opendocument.text",
            "META-INF/manifest.xml": manifest,
            "content.xml": os.urandom(2048),
        }
    )
    with pytest.raises(SkipFileError, match=r"encrypted \(password-protected\)"):
        parse("secret.odt", data)


def test_malformed_or_hostile_xml_is_skipped_quietly(capsys: pytest.CaptureFixture[str]) -> None:
    good = zipfile.ZipFile(io.BytesIO(make_odt()))
    parts = {name: good.read(name) for name in good.namelist()}
    broken = _zip({**parts, "content.xml": parts["content.xml"][:-40]})
    with pytest.raises(SkipFileError, match=r"malformed XML in content\.xml"):
        parse("broken.odt", broken)
    laughs = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>'
    with pytest.raises(SkipFileError, match="declares a DTD"):
        parse("laughs.odt", _zip({**parts, "styles.xml": laughs}))
    # odfpy prints a part it cannot parse whole to stdout: it must never get that far.
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("suffix", [".odt", ".odp", ".ods"])
def test_corrupt_opendocument_files_are_skipped_with_reason(tmp_path: Path, suffix: str) -> None:
    corpus = write_corpus(tmp_path / "c", {f"random{suffix}": os.urandom(4096), f"docx{suffix}": _zip({"a": b"b"})})
    files, _ = list_corpus(corpus)
    reasons = {}
    for file in files:
        result = read_file(file, ReadLimits(max_bytes=10**7))
        assert isinstance(result, SkippedFile)
        reasons[result.source] = result.reason
    assert reasons[f"random{suffix}"].startswith("not a valid zip-based document")
    assert reasons[f"docx{suffix}"] == "not an OpenDocument file (no content.xml or manifest)"


def test_suffix_does_not_decide_how_an_opendocument_is_read(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c", {"misnamed.odt": make_ods()})
    (file,), _ = list_corpus(corpus)
    result = read_file(file, ReadLimits(max_bytes=10**7))
    assert isinstance(result, Document)
    assert result.passages[0].citations[0].sheet == "Staff"
