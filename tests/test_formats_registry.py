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
