"""The format registry: one parser per suffix, and the README's formats table lists exactly those."""

from __future__ import annotations

import re
from pathlib import Path

from askdocs.ingest.formats import FORMAT_LIST, FORMATS, SUPPORTED

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_suffix_has_one_parser_and_is_supported() -> None:
    suffixes = [s for fmt in FORMAT_LIST for s in fmt.suffixes]
    assert len(suffixes) == len(set(suffixes))
    assert set(SUPPORTED) == set(FORMATS) == set(suffixes)
    assert all(s.startswith(".") and s == s.lower() for s in suffixes)


def test_readme_formats_table_lists_every_registered_suffix() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### Formats") :].split("\n\n- ")[0]
    listed = {
        s for row in table.splitlines() if row.startswith("| `") for s in re.findall(r"`(\.\w+)`", row.split("|")[1])
    }
    assert listed == set(FORMATS)


def test_short_notes_are_indexed_and_repeated_markers_dropped(tmp_path: Path) -> None:
    """A person's short note is content; a short line repeated in its file is a marker (issue #25)."""
    from askdocs.ingest.corpus import Document, list_corpus, read_file
    from askdocs.settings import ReadLimits

    (tmp_path / "wifi.txt").write_text("Wifi password: hunter2\n", encoding="utf-8")
    (tmp_path / "door.md").write_text("Door code 4512\n", encoding="utf-8")
    (tmp_path / "one-row.csv").write_text("Name,Phone\nPlumber,555 0101\n", encoding="utf-8")
    (tmp_path / "faq.txt").write_text(
        "Rest helps most back pain within weeks.\n\nBACK TO TEXT\n\nIce eases a sprain in the first days.\n\n"
        "BACK TO TEXT\n",
        encoding="utf-8",
    )
    files, _ = list_corpus(tmp_path)
    read = {f.source: read_file(f, ReadLimits()) for f in files}
    assert all(isinstance(doc, Document) for doc in read.values()), read
    texts = {source: [p.text for p in doc.passages] for source, doc in read.items()}
    assert texts["wifi.txt"] == ["Wifi password: hunter2"]
    assert texts["door.md"] == ["Door code 4512"]
    assert texts["one-row.csv"] == ["Name: Plumber; Phone: 555 0101"]
    assert texts["faq.txt"] == ["Rest helps most back pain within weeks.", "Ice eases a sprain in the first days."]
    assert [(d.line, d.reason) for d in read["faq.txt"].dropped] == [(3, "repeated marker"), (7, "repeated marker")]
