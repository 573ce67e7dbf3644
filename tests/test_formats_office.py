"""Word, PowerPoint, Excel and CSV/TSV: real files made with their libraries, read and searched."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from askdocs import Searcher
from askdocs.ingest.corpus import Document, SkippedFile, list_corpus, read_file
from askdocs.ingest.formats import delimited, tables, xlsx
from askdocs.ingest.formats import docx as docx_format
from askdocs.ingest.formats import pptx as pptx_format
from askdocs.ingest.formats.base import ParseContext, ParsedFile
from askdocs.records import Citation
from askdocs.settings import ReadLimits
from tests.conftest import write_corpus

HEADER = "Contoso Widgets Ltd confidential"
ALPINE_ROW = ("Alpine", "widget-apk-musl", "Needs the community repository enabled")
AMBER = (
    "When the status light blinks amber three times, the firmware update failed and must be repeated over a USB cable."
)
BATTERY = "Store lithium batteries at about 40 percent charge when the drone is unused for more than two weeks."
PROPELLERS = "Remind everyone that propellers must be replaced after 200 flight hours, even if they look undamaged."


def make_docx() -> bytes:
    """A manual: headings, prose, a package table, a one-cell callout, a page header and footer."""
    import docx

    document = docx.Document()
    document.add_heading("Installation", 1)  # paragraph 1
    document.add_paragraph(
        "The widget ships with installers for every major operating system and needs about 200 MB of disk space."
    )  # 2
    document.add_paragraph("")  # empty: not counted
    document.add_heading("Linux", 2)  # 3
    document.add_paragraph(
        "On Linux the installer must run with root privileges to register its background service."
    )  # 4
    rows = [
        ("Distribution", "Package", "Notes"),  # 5
        ("Debian", "widget-deb", "Signed with the Contoso release key"),  # 6
        ALPINE_ROW,  # 7
        ("", "", ""),  # empty: not counted
        ("Fedora", "widget-rpm", "Available from the Contoso copr repository"),  # 8
    ]
    table = document.add_table(rows=len(rows), cols=3)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_heading("Troubleshooting", 1)  # 9
    document.add_paragraph(AMBER)  # 10
    document.add_paragraph(
        "Error code 42 means the licence server could not be reached; check the proxy settings."
    )  # 11
    callout = document.add_table(rows=1, cols=1)
    callout.cell(0, 0).text = "Warning: never unplug it"  # 12, a one-row table is content
    document.sections[0].header.paragraphs[0].text = HEADER
    document.sections[0].footer.paragraphs[0].text = "Page 1 of 1"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def make_pptx() -> bytes:
    """A four-slide deck; slide 3 holds a fact in a text box and another in its speaker notes."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    slides = [
        ("Drone flight school", "Training day for new pilots of camera drones", None),
        (
            "Camera settings",
            "Record in 4K at 30 frames per second for smooth aerial footage.",
            "Show the sample video.",
        ),
        ("Battery care", None, PROPELLERS),
        ("Flight rules", "Never fly higher than 120 metres above the ground or over crowds of people.", None),
    ]
    for title, body, notes in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[5 if body is None else 1])
        slide.shapes.title.text = title
        if body is not None:
            slide.placeholders[1].text_frame.text = body
        else:
            box = slide.shapes.add_textbox(Inches(1), Inches(2), Inches(8), Inches(2))
            box.text_frame.text = BATTERY
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def make_xlsx() -> bytes:
    """A workbook: a numeric summary sheet and a supplier list (a blank row in it) on the second sheet."""
    from openpyxl import Workbook

    workbook = Workbook()
    summary = workbook.active
    summary.title = "Summary"
    summary.append(["Quarter", "Revenue", "Orders"])
    summary.append(["Q1 2024", 125000, 310])
    summary.append(["Q2 2024", 131500, 342])
    suppliers = workbook.create_sheet("Suppliers")
    suppliers.append(["Supplier", "City", "Supplies", "Lead time"])
    suppliers.append(["Fabrikam Plastics", "Lyon", "injection-moulded housings", "3 weeks"])
    suppliers.append(["Tailspin Optics", "Rochester", "camera lenses and filters", "8 weeks"])
    suppliers.append([])
    suppliers.append(["Northwind Metals", "Sheffield", "titanium mounting brackets", "6 weeks"])  # row 5
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


CSV = (
    "species,habitat,diet\n"
    "red fox,woodland edges and city parks,rodents and fruit\n"
    "axolotl,the canals of lake Xochimilco near Mexico City,worms insects and small fish\n"
    "snowy owl,open arctic tundra,lemmings and voles\n"
)


def parse(module: ModuleType, source: str, data: bytes) -> ParsedFile:
    """Run one format module's parser on bytes."""
    result: ParsedFile = module.parse(ParseContext(source), data)
    return result


def read_one(folder: Path, limits: ReadLimits | None = None) -> Document | SkippedFile:
    """The single file in a corpus folder, read as an ingest reads it."""
    files, skipped = list_corpus(folder)
    assert not skipped and len(files) == 1
    return read_file(files[0], limits or ReadLimits())


def test_office_facts_are_found_first_with_their_place(make_index: Callable[..., Path]) -> None:
    index = make_index(
        {"manual.docx": make_docx(), "training.pptx": make_pptx(), "parts.xlsx": make_xlsx(), "animals.csv": CSV}
    )
    searcher = Searcher.load(index)
    cases = [
        (
            "Which package installs the widget on Alpine Linux?",
            Citation("manual.docx", section="Installation > Linux", paragraph=7),
        ),
        (
            "What does it mean when the status light blinks amber three times?",
            Citation("manual.docx", section="Troubleshooting", paragraph=10),
        ),
        (
            "At what charge level should drone batteries be stored?",
            Citation("training.pptx", section="Battery care", slide=3),
        ),
        (
            "When do the propellers have to be replaced?",
            Citation("training.pptx", section="Battery care (notes)", slide=3),
        ),
        ("Which company supplies the titanium mounting brackets?", Citation("parts.xlsx", sheet="Suppliers", row=5)),
        ("Where does the axolotl live in the wild?", Citation("animals.csv", row=3)),
    ]
    wrong = []
    for question, expected in cases:
        top = searcher.search(question, k=3)[0]
        where = [c for c in top.citations if c.source == expected.source]
        # Span and date (today's, or the file's own) are not what this test is about.
        if not where or {**where[0].to_json(), "span": None, "date": None} != {
            **expected.to_json(),
            "span": None,
            "date": None,
        }:
            wrong.append((question, [c.to_json() for c in top.citations], top.text[:80]))
    assert not wrong


def test_docx_heading_path_and_paragraph_numbers() -> None:
    parsed = parse(docx_format, "manual.docx", make_docx())
    found = [(p.citations[0].section, p.citations[0].paragraph, p.title, p.text[:30]) for p in parsed.passages]
    assert found == [
        ("Installation", 2, "Installation", "The widget ships with installe"),
        ("Installation > Linux", 4, "Installation > Linux", "On Linux the installer must ru"),
        ("Installation > Linux", 6, "Installation > Linux", "Distribution: Debian; Package:"),
        ("Installation > Linux", 7, "Installation > Linux", "Distribution: Alpine; Package:"),
        ("Installation > Linux", 8, "Installation > Linux", "Distribution: Fedora; Package:"),
        ("Troubleshooting", 10, "Troubleshooting", AMBER[:30]),
        ("Troubleshooting", 11, "Troubleshooting", "Error code 42 means the licenc"),
        ("Troubleshooting", 12, "Troubleshooting", "Warning: never unplug it"),
    ]
    assert (
        parsed.passages[3].text
        == "Distribution: Alpine; Package: widget-apk-musl; Notes: Needs the community repository enabled"
    )


def test_docx_headers_and_footers_are_dropped() -> None:
    parsed = parse(docx_format, "manual.docx", make_docx())
    assert not any(HEADER in p.text or "Page 1" in p.text for p in parsed.passages)
    dropped = {d.text: d.reason for d in parsed.dropped}
    assert dropped[HEADER] == dropped["Page 1 of 1"] == "page header or footer (repeats on every page)"


def test_docx_text_boxes_tracked_changes_and_contents_in_xml() -> None:
    """What python-docx's own text property misses: inserted text, fields, text boxes; deleted text stays out."""
    body = (
        '<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr><w:r><w:t>Guide</w:t></w:r></w:p>'
        '<w:p><w:ins w:id="1"><w:r><w:t xml:space="preserve">Inserted words </w:t></w:r></w:ins>'
        '<w:del w:id="2"><w:r><w:delText>deleted words </w:delText></w:r></w:del>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>PAGE</w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>shown field result</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r><w:r><w:t xml:space="preserve"> ends here.</w:t></w:r></w:p>'
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj></w:sdtPr>'
        "<w:sdtContent><w:p><w:r><w:t>Contents entry one</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        "<w:sdt><w:sdtContent><w:p><w:r><w:t>Text inside a content control is body text.</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
        '<w:p><w:pPr><w:outlineLvl w:val="1"/></w:pPr><w:r><w:t>Outlined heading</w:t></w:r></w:p>'
        "<w:p><w:r><w:t>A box says:</w:t></w:r><w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent>"
        "<w:p><w:r><w:t>text box words here.</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>"
        "<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>text box words here.</w:t></w:r></w:p></w:txbxContent>"
        "</w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    parsed = parse(docx_format, "x.docx", _docx_with_body(body))
    found = [(p.citations[0].section, p.citations[0].paragraph, p.text) for p in parsed.passages]
    assert found == [
        ("Guide", 2, "Inserted words shown field result ends here."),
        # Paragraph 3 is the table of contents' line: seen on the page, so counted, but not a passage.
        ("Guide", 4, "Text inside a content control is body text."),
        ("Guide > Outlined heading", 6, "A box says: text box words here."),
    ]
    assert ("table of contents", "Contents entry one") in {(d.reason, d.text) for d in parsed.dropped}


def _docx_with_body(body_xml: str) -> bytes:
    """A python-docx document whose body is replaced by the given WordprocessingML."""
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    source = zipfile.ZipFile(out)
    xml = source.read("word/document.xml").decode()
    if "xmlns:mc=" not in xml:
        xml = xml.replace(
            "<w:document ", '<w:document xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" ', 1
        )
    xml = re.sub(r"<w:body>.*<w:sectPr", f"<w:body>{body_xml}<w:sectPr", xml, flags=re.S)
    return _replace_entries(source, {"word/document.xml": xml.encode()})


def _replace_entries(source: zipfile.ZipFile, replacements: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, replacements.get(name, source.read(name)))
    return out.getvalue()


def test_pptx_title_notes_groups_tables_and_footers() -> None:
    from pptx import Presentation
    from pptx.enum.shapes import PP_PLACEHOLDER
    from pptx.util import Inches

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[5])
    slide.shapes.title.text = "Results"
    group = slide.shapes.add_group_shape()
    box = group.shapes.add_textbox(Inches(1), Inches(2), Inches(4), Inches(1))
    box.text_frame.text = "Revenue up 12%"
    box.text_frame.add_paragraph().text = "Costs flat"
    table = slide.shapes.add_table(3, 2, Inches(1), Inches(4), Inches(4), Inches(1)).table
    for r, (region, sales) in enumerate([("Region", "Sales"), ("North", "120"), ("South", "95")]):
        table.cell(r, 0).text, table.cell(r, 1).text = region, sales
    slide.notes_slide.notes_text_frame.text = "Say why the north region grew so fast this quarter."
    footer = next(ph for ph in slide.slide_layout.placeholders if ph.placeholder_format.type == PP_PLACEHOLDER.FOOTER)
    slide.shapes.clone_placeholder(footer)
    slide.placeholders[footer.placeholder_format.idx].text_frame.text = "Contoso Ltd, internal use only"
    untitled = deck.slides.add_slide(deck.slide_layouts[6])
    untitled.notes_slide.notes_text_frame.text = "Only notes on this slide, which has no title at all."
    out = io.BytesIO()
    deck.save(out)
    parsed = parse(pptx_format, "deck.pptx", out.getvalue())
    found = [(p.citations[0].slide, p.citations[0].section, p.title, p.text) for p in parsed.passages]
    assert found == [
        # The title titles, it is not a passage; a short phrase on a slide is content.
        (1, "Results", "Results", "Revenue up 12% Costs flat"),
        (1, "Results", "Results", "Region: North; Sales: 120"),
        (1, "Results", "Results", "Region: South; Sales: 95"),
        (1, "Results (notes)", "Results (notes)", "Say why the north region grew so fast this quarter."),
        (2, "(notes)", "(notes)", "Only notes on this slide, which has no title at all."),
    ]
    assert [(d.reason, d.text) for d in parsed.dropped] == [
        ("slide footer, date or number", "Contoso Ltd, internal use only")
    ]


def test_xlsx_cached_formulas_dates_numbers_and_headerless_sheets() -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["Customer", "Shipped", "Discount", "Weight kg", "Total"])
    sheet.append(["Ada", dt.datetime(2024, 3, 5), 0.125, 3.14159, "=2*3"])
    sheet.append(["Ben", dt.datetime(2024, 3, 6, 14, 30), None, 2, None])
    sheet["C2"].number_format = "0.0%"
    sheet["D2"].number_format = "0.00"
    numbers = workbook.create_sheet("Readings")
    numbers.append([1, 2.5, 3])
    numbers.append([4, 5, 6])
    out = io.BytesIO()
    workbook.save(out)
    # openpyxl writes no cached result; Excel would have saved 6 when it last calculated.
    source = zipfile.ZipFile(out)
    sheet_xml = source.read("xl/worksheets/sheet1.xml").replace(b"<f>2*3</f><v></v>", b"<f>2*3</f><v>6</v>")
    parsed = parse(xlsx, "book.xlsx", _replace_entries(source, {"xl/worksheets/sheet1.xml": sheet_xml}))
    found = [(p.citations[0].sheet, p.citations[0].row, p.title, p.text) for p in parsed.passages]
    assert found == [
        ("Orders", 2, "Orders", "Customer: Ada; Shipped: 2024-03-05; Discount: 12.5%; Weight kg: 3.14; Total: 6"),
        ("Orders", 3, "Orders", "Customer: Ben; Shipped: 2024-03-06 14:30; Weight kg: 2"),
        ("Readings", 1, "Readings", "1; 2.5; 3"),
        ("Readings", 2, "Readings", "4; 5; 6"),
    ]


def test_row_cap_records_the_rest_as_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import Workbook

    monkeypatch.setattr(tables, "MAX_ROWS", 5)
    workbook = Workbook()
    workbook.active.append(["Item", "Count"])
    for i in range(20):
        workbook.active.append([f"item {i}", i])
    out = io.BytesIO()
    workbook.save(out)
    sheet = parse(xlsx, "big.xlsx", out.getvalue())
    table = parse(delimited, "big.csv", ("item,count\n" + "".join(f"item {i},{i}\n" for i in range(20))).encode())
    for parsed in (sheet, table):
        assert [p.citations[0].row for p in parsed.passages] == [2, 3, 4, 5, 6]
        assert [d.reason.endswith("rows from 7 on not read: more than 5 rows") for d in parsed.dropped] == [True]


def test_csv_sniffed_dialect_quoted_lines_and_row_numbers() -> None:
    text = 'name;city;note\nAda;Paris;"wrote the first\nprogram"\n\nBen;Rome;"builds bridges; and roads"\n'
    parsed = parse(delimited, "people.csv", text.encode("cp1252"))
    found = [(p.citations[0].row, p.text) for p in parsed.passages]
    # Row numbers count records as a spreadsheet shows them: the quoted line break stays in its row.
    assert found == [
        (2, "name: Ada; city: Paris; note: wrote the first program"),
        (4, "name: Ben; city: Rome; note: builds bridges; and roads"),
    ]


def test_tsv_without_a_header_row() -> None:
    parsed = parse(delimited, "readings.tsv", b"2024-01-05\t12.5\tcalm\n2024-01-06\t14.0\twindy, with gusts\n")
    assert [(p.citations[0].row, p.text) for p in parsed.passages] == [
        (1, "2024-01-05; 12.5; calm"),
        (2, "2024-01-06; 14.0; windy, with gusts"),
    ]


def test_zip_bomb_disguised_as_docx_is_skipped_quickly(tmp_path: Path) -> None:
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("word/document.xml", "w", force_zip64=True) as entry,
    ):
        chunk = bytes(1 << 22)
        for _ in range(150):  # 600 MiB of zeros, about 3 MB compressed
            entry.write(chunk)
    folder = write_corpus(tmp_path / "c", {"report.docx": bomb.getvalue()})
    started = time.monotonic()
    result = read_one(folder)
    assert isinstance(result, SkippedFile)
    assert "would expand to 629,145,600 bytes" in result.reason
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("random.docx", os.urandom(4096), "not a valid zip-based document"),
        ("random.xlsx", os.urandom(4096), "not a valid zip-based document"),
        ("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088), "encrypted (password-protected)"),
        ("locked.pptx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088), "encrypted (password-protected)"),
        ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088), "encrypted (password-protected)"),
        ("other.pptx", b"", "not a PowerPoint presentation"),
    ],
)
def test_broken_and_encrypted_office_files_are_skipped_with_a_reason(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    if not content:
        # A real zip, but a Word document named .pptx.
        content = make_docx()
    result = read_one(write_corpus(tmp_path / "c", {name: content}))
    assert isinstance(result, SkippedFile)
    assert result.reason.startswith(reason)


@pytest.fixture(scope="module")
def big_deck() -> bytes:
    """A 5,000-slide deck: one slide made with python-pptx, copied in the package (python-pptx alone
    takes minutes, adding slides is quadratic)."""
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Slide NUMBER"
    slide.placeholders[1].text_frame.text = "Body text of slide NUMBER about nothing in particular."
    out = io.BytesIO()
    deck.save(out)
    source = zipfile.ZipFile(out)
    slide_xml = source.read("ppt/slides/slide1.xml").decode()
    slide_rels = source.read("ppt/slides/_rels/slide1.xml.rels")
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide"
    count = 5000
    rels = re.sub(
        r'<Relationship [^>]*Target="slides/slide1.xml"/>', "", source.read("ppt/_rels/presentation.xml.rels").decode()
    )
    rels = rels.replace(
        "</Relationships>",
        "".join(f'<Relationship Id="rIdS{i}" Type="{kind}" Target="slides/slide{i}.xml"/>' for i in range(1, count + 1))
        + "</Relationships>",
    )
    ids = "".join(f'<p:sldId id="{256 + i}" r:id="rIdS{i}"/>' for i in range(1, count + 1))
    presentation = re.sub(
        r"<p:sldIdLst>.*</p:sldIdLst>", f"<p:sldIdLst>{ids}</p:sldIdLst>", source.read("ppt/presentation.xml").decode()
    )
    types = source.read("[Content_Types].xml").decode()
    override = re.search(r'<Override PartName="/ppt/slides/slide1.xml"[^>]*/>', types)
    assert override is not None
    types = types.replace(
        override.group(), "".join(override.group().replace("slide1.", f"slide{i}.") for i in range(1, count + 1))
    )
    replaced = {
        "ppt/_rels/presentation.xml.rels": rels,
        "ppt/presentation.xml": presentation,
        "[Content_Types].xml": types,
    }
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            if name not in ("ppt/slides/slide1.xml", "ppt/slides/_rels/slide1.xml.rels"):
                target.writestr(name, replaced.get(name, source.read(name)))
        for i in range(1, count + 1):
            target.writestr(f"ppt/slides/slide{i}.xml", slide_xml.replace("NUMBER", str(i)))
            target.writestr(f"ppt/slides/_rels/slide{i}.xml.rels", slide_rels)
    return result.getvalue()


def test_a_title_only_slide_is_indexed_as_its_title() -> None:
    """Issue #25: a deck of title-only slides was "no text to index"; each slide says its title."""
    from pptx import Presentation

    presentation = Presentation()
    for title in ("Quarterly results", "Thank you"):
        presentation.slides.add_slide(presentation.slide_layouts[5]).shapes.title.text = title
    out = io.BytesIO()
    presentation.save(out)
    parsed = pptx_format.parse(ParseContext("deck.pptx"), out.getvalue())
    assert [(p.text, p.citations[0].slide, p.citations[0].section) for p in parsed.passages] == [
        ("Quarterly results", 1, "Quarterly results"),
        ("Thank you", 2, "Thank you"),
    ]


def test_5000_slide_deck_is_read_within_the_time_limit(tmp_path: Path, big_deck: bytes) -> None:
    result = read_one(write_corpus(tmp_path / "c", {"big.pptx": big_deck}), ReadLimits(max_seconds=60))
    assert isinstance(result, Document)
    last = result.passages[-1]
    assert (last.text, last.citations[0].slide, last.citations[0].section) == (
        "Body text of slide 5000 about nothing in particular.",
        5000,
        "Slide 5000",
    )


def test_time_limit_skips_a_deck_that_takes_too_long(tmp_path: Path, big_deck: bytes) -> None:
    started = time.monotonic()
    result = read_one(write_corpus(tmp_path / "c", {"big.pptx": big_deck}), ReadLimits(max_seconds=0.2))
    assert isinstance(result, SkippedFile)
    assert result.reason == "took longer than the 0.2-second limit (--max-file-seconds)"
    # Opening the package comes before the first check (about a second here); then it stops, no stall.
    assert time.monotonic() - started < 30


def test_a_damaged_shape_costs_its_slide_and_a_damaged_cell_its_sheet() -> None:
    from openpyxl import Workbook
    from pptx import Presentation

    deck = Presentation()
    for title in ("Broken slide", "Intact slide"):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text_frame.text = f"The body text of the {title.lower()} is here."
    out = io.BytesIO()
    deck.save(out)
    source = zipfile.ZipFile(out)
    broken = source.read("ppt/slides/slide1.xml").replace(b'type="title"', b'type="bogus"')
    parsed = parse(pptx_format, "deck.pptx", _replace_entries(source, {"ppt/slides/slide1.xml": broken}))
    assert [(p.citations[0].slide, p.text) for p in parsed.passages] == [
        (2, "The body text of the intact slide is here.")
    ]
    assert [d.reason.startswith("rest of slide 1 not read (ValueError") for d in parsed.dropped] == [True]

    workbook = Workbook()
    workbook.active.title = "Broken"
    for text in ("Note", "Read before the damage", "Lost row"):
        workbook.active.append([text])
    workbook.create_sheet("Intact").append(["This sheet reads fine"])
    out = io.BytesIO()
    workbook.save(out)
    source = zipfile.ZipFile(out)
    broken = source.read("xl/worksheets/sheet1.xml").replace(b'r="A3"', b'r="!"')
    parsed = parse(xlsx, "book.xlsx", _replace_entries(source, {"xl/worksheets/sheet1.xml": broken}))
    assert [(p.citations[0].sheet, p.citations[0].row) for p in parsed.passages] == [("Broken", 2), ("Intact", 1)]
    assert [d.reason.startswith("sheet Broken: rest not read (ValueError") for d in parsed.dropped] == [True]
