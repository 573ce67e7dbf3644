"""Turn the Debian Reference HTML (Debian package debian-reference-en) into a BEIR corpus, one record per section.

    python bench/devsets/build_corpus.py [--source /usr/share/debian-reference] [--out bench/devsets/debian-reference]

Made from debian-reference-en 2.100 (Debian bookworm; Osamu Aoki, GPL-2+): `apt-get install debian-reference-en`
puts the English HTML in /usr/share/debian-reference/. Reads the preface, chapters 1-12 and the appendix
(`pr01`, `ch01`-`ch12`, `apa` .en.html; the index page is only a table of contents and is skipped), and writes
`corpus.jsonl` and `source.json` (package, version, licence, file checksums) to --out.

Each record is one section, split at the h2 and h3 headings: `_id` is "<file>#<section anchor>", `title`
is "<chapter title> > <section heading>" without the numbering, `text` is the section's visible text
without its sub-sections at h2/h3 (deeper h4 sub-sections stay in their h3 section). Text before a
chapter's first section becomes a record titled with the chapter alone. Navigation bars, tables of
contents and lists of tables are dropped; a table becomes one line per row with cells joined by " | ";
a footnote's text is appended to the section that cites it. Sections with no text are skipped.
Re-running on the same package version gives a byte-identical corpus.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

PACKAGE = "debian-reference-en"
BUILT_FROM = "2.100"
DEFAULT_SOURCE = Path("/usr/share/debian-reference")
DEFAULT_OUT = Path(__file__).resolve().parent / "debian-reference"
PAGES = ["pr01", *[f"ch{n:02d}" for n in range(1, 13)], "apa"]
DROP_CLASSES = ("navheader", "navfooter", "toc", "list-of-tables", "list-of-figures", "footnotes")
# Elements that start a new line in the visible text; everything else is inline.
BLOCKS = (
    "p", "div", "pre", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "table", "ul", "ol", "dl", "br",
)  # fmt: skip
NUMBERING = re.compile(r"^(Chapter|Appendix)?\s*[0-9A-Z]+(\.[0-9]+)*\.\s*")


@dataclass(frozen=True)
class Section:
    """One corpus record."""

    doc_id: str
    title: str
    text: str


def clean_heading(tag: Tag) -> str:
    """A heading's text without its number ("5.1.1. The hostname resolution" -> "The hostname resolution")."""
    text = " ".join(tag.get_text(" ").replace("\xa0", " ").split())
    return NUMBERING.sub("", text)


def own_heading(section: Tag) -> Tag | None:
    """The h1-h4 heading in a section div's own title page (not a nested section's)."""
    titlepage = section.find("div", class_="titlepage", recursive=False)
    return titlepage.find(["h1", "h2", "h3", "h4"]) if titlepage else None


def anchor(heading: Tag) -> str:
    """The id a link to this heading uses."""
    target = heading.find("a", id=True)
    return str(target["id"]) if target else str(heading.get("id", ""))


def visible_text(node: Tag) -> str:
    """The node's text as a reader sees it: one line per block or table row, whitespace collapsed."""
    for image in node.find_all("img"):
        image.decompose()
    for row in node.find_all("tr"):
        cells = [" ".join(cell.get_text(" ").split()) for cell in row.find_all(["td", "th"], recursive=False)]
        row.replace_with(NavigableString("\n" + " | ".join(cell for cell in cells if cell) + "\n"))
    for block in node.find_all(BLOCKS):
        block.insert_before(NavigableString("\n"))
        block.insert_after(NavigableString("\n"))
    lines = (" ".join(line.replace("\xa0", " ").split()) for line in node.get_text("").splitlines())
    return "\n".join(line for line in lines if line)


def footnotes(soup: BeautifulSoup) -> dict[str, str]:
    """Footnote id -> its text, for appending to the section that cites it."""
    notes = {}
    for note in soup.select("div.footnotes div.footnote"):
        mark = note.find("sup")
        if mark:
            mark.decompose()
        notes[str(note.get("id", ""))] = visible_text(copy.copy(note))
    return notes


def section_text(section: Tag, notes: dict[str, str]) -> str:
    """A section's own text: its sub-sections at h2/h3 and its heading removed, cited footnotes appended."""
    body = copy.copy(section)
    for child in body.find_all("div", class_="section"):
        heading = own_heading(child)
        if heading is not None and heading.name in ("h2", "h3"):
            child.decompose()
    titlepage = body.find("div", class_="titlepage", recursive=False)
    if titlepage:
        titlepage.decompose()
    cited = []
    for ref in body.find_all("a", class_="footnote"):
        cited.append(notes.get(str(ref.get("href", "")).lstrip("#"), ""))
        ref.decompose()
    return "\n".join(part for part in [visible_text(body), *cited] if part)


def page_sections(path: Path) -> list[Section]:
    """The records of one HTML page, in document order."""
    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    notes = footnotes(soup)
    for name in DROP_CLASSES:
        for tag in soup.find_all("div", class_=name):
            tag.decompose()
    top = soup.find("div", class_=["chapter", "preface", "appendix"])
    if top is None:
        raise ValueError(f"{path.name}: no chapter, preface or appendix")
    chapter_heading = top.find("h1")
    chapter = clean_heading(chapter_heading)
    records = [Section(f"{path.name}#{anchor(chapter_heading)}", chapter, section_text(top, notes))]
    for section in top.find_all("div", class_="section"):
        heading = own_heading(section)
        if heading is None or heading.name not in ("h2", "h3"):
            continue
        records.append(
            Section(
                f"{path.name}#{anchor(heading)}", f"{chapter} > {clean_heading(heading)}", section_text(section, notes)
            )
        )
    return [record for record in records if record.text]


def package_version() -> str:
    """The installed package's version, or "unknown" without dpkg."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", PACKAGE], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def main() -> None:
    """Write corpus.jsonl and source.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    version = package_version()
    if version != BUILT_FROM:
        print(f"warning: {PACKAGE} is {version}; the committed corpus was made from {BUILT_FROM}")
    paths = [args.source / f"{page}.en.html" for page in PAGES]
    records = [record for path in paths for record in page_sections(path)]
    ids = [record.doc_id for record in records]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate section ids")
    args.out.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps({"_id": r.doc_id, "title": r.title, "text": r.text}, ensure_ascii=False) for r in records)
    corpus = args.out / "corpus.jsonl"
    corpus.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    source = {
        "package": PACKAGE,
        "version": version,
        "licence": "GPL-2+ (Copyright 2007-2013 Osamu Aoki; see /usr/share/doc/debian-reference-en/copyright)",
        "upstream": "https://salsa.debian.org/debian/debian-reference.git",
        "html": str(args.source),
        "files": {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths},
        "builder": "bench/devsets/build_corpus.py",
        "corpus_records": len(records),
        "corpus_bytes": corpus.stat().st_size,
    }
    (args.out / "source.json").write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    print(f"{len(records)} sections, {corpus.stat().st_size:,} bytes -> {corpus}")


if __name__ == "__main__":
    main()
