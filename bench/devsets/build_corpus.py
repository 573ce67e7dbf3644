"""Turn a Debian HTML manual (debian-reference-en or debian-handbook) into a BEIR corpus, one record per section.

    python bench/devsets/build_corpus.py [--package debian-reference-en|debian-handbook] [--source DIR] [--out DIR]

`--package debian-reference-en` (the default) was made from debian-reference-en 2.100 (Debian bookworm; Osamu Aoki,
GPL-2+): `apt-get install debian-reference-en` puts the English HTML in /usr/share/debian-reference/. Reads the
preface, chapters 1-12 and the appendix (`pr01`, `ch01`-`ch12`, `apa` .en.html; the index page is only a table of
contents and is skipped) and writes to bench/devsets/debian-reference.

`--package debian-handbook` was made from debian-handbook 11.20220922 (The Debian Administrator's Handbook, Debian
11 edition; Raphael Hertzog and Roland Mas, GPL-2+ or CC BY-SA 3.0): `apt-get install debian-handbook` puts the
English HTML in /usr/share/doc/debian-handbook/html/en-US/. Every page is read in the book's reading order (the
`<link rel="next">` chain from index.html, which is itself only the title page and table of contents and is
skipped); a chapter's first section is on the chapter's page, each later h2 section has a page of its own whose
chapter is the page its `<link rel="up">` names. Writes to bench/devsets/debian-handbook.

Both write `corpus.jsonl` and `source.json` (package, version, licence, file checksums) to --out.

Each record is one section, split at the h2 and h3 headings: `_id` is "<file>#<section anchor>", `title`
is "<chapter title> > <section heading>" without the numbering, `text` is the section's visible text
without its sub-sections at h2/h3 (deeper h4 sub-sections stay in their h3 section). Text before a
chapter's first section becomes a record titled with the chapter alone. Navigation bars, tables of
contents and lists of tables are dropped; a table becomes one line per row with cells joined by " | ";
a footnote's text is appended to the section that cites it; a sidebar ("TIP", "BACK TO BASICS") stays in its
section with its title as a line. Sections with no text are skipped.
Re-running on the same package version gives a byte-identical corpus.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString, Tag

HERE = Path(__file__).resolve().parent
PAGES = ["pr01", *[f"ch{n:02d}" for n in range(1, 13)], "apa"]
DROP_CLASSES = ("navheader", "navfooter", "toc", "list-of-tables", "list-of-figures", "footnotes")
# Elements that start a new line in the visible text; everything else is inline.
BLOCKS = (
    "p", "div", "pre", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "table", "ul", "ol", "dl", "br",
)  # fmt: skip
NUMBERING = re.compile(
    r"^(Chapter|Appendix|Kapitel|Anhang|Chapitre|Annexe|Capítulo|Apéndice|付録|附录|第)?\s*[0-9A-Z]+(\.[0-9]+)*(\.|章)?\s*"
)


@dataclass(frozen=True)
class Section:
    """One corpus record."""

    doc_id: str
    title: str
    text: str


@dataclass(frozen=True)
class Book:
    """A Debian documentation package and where its HTML pages are."""

    package: str
    built_from: str
    source: Path
    out: Path
    licence: str
    upstream: str
    pages: Callable[[Path], list[str]]  # the HTML file names to read, in reading order


def reference_pages(source: Path) -> list[str]:
    """The Debian Reference pages: preface, chapters 1-12, appendix."""
    return [f"{page}.en.html" for page in PAGES]


def translated_pages(language: str) -> Callable[[Path], list[str]]:
    """The Debian Reference's pages in one of its translations (`ch05.de.html`)."""
    return lambda source: [f"{page}.{language}.html" for page in PAGES]


def linked_pages(source: Path) -> list[str]:
    """Every page after index.html along the `<link rel="next">` chain."""
    pages: list[str] = []
    page = "index.html"
    # Bounded by the number of pages so that a cycle in the links cannot loop for ever.
    for _ in range(len(list(source.glob("*.html")))):
        following = BeautifulSoup((source / page).read_bytes(), "html.parser").find("link", rel="next")
        if following is None:
            return pages
        page = str(following["href"])
        pages.append(page)
    raise ValueError(f"{source}: the next-page links do not end")


BOOKS = {
    "debian-reference-en": Book(
        package="debian-reference-en",
        built_from="2.100",
        source=Path("/usr/share/debian-reference"),
        out=HERE / "debian-reference",
        licence="GPL-2+ (Copyright 2007-2013 Osamu Aoki; see /usr/share/doc/debian-reference-en/copyright)",
        upstream="https://salsa.debian.org/debian/debian-reference.git",
        pages=reference_pages,
    ),
    # The translations (#28's multilingual dev sets): the same sections, with the same anchors, as the English.
    **{
        f"debian-reference-{language}": Book(
            package=f"debian-reference-{language}",
            built_from="2.100",
            source=Path("/usr/share/debian-reference"),
            out=HERE / f"debian-reference-{language}",
            licence=f"GPL-2+ (Copyright 2007-2013 Osamu Aoki; see /usr/share/doc/debian-reference-{language}/copyright)",
            upstream="https://salsa.debian.org/debian/debian-reference.git (po4a translations)",
            pages=translated_pages(language),
        )
        for language in ("de", "fr", "es", "ja")
    },
    "debian-handbook": Book(
        package="debian-handbook",
        built_from="11.20220922",
        source=Path("/usr/share/doc/debian-handbook/html/en-US"),
        out=HERE / "debian-handbook",
        licence=(
            "GPL-2+ or CC-BY-SA-3.0 (Copyright 2003-2022 Raphael Hertzog, 2006-2015 Roland Mas, 2012-2022 Freexian "
            "SARL; see /usr/share/doc/debian-handbook/copyright)"
        ),
        upstream="https://debian-handbook.info (source: apt-get source debian-handbook)",
        pages=linked_pages,
    ),
}


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


def page_sections(path: Path, chapters: Mapping[str, str]) -> tuple[str, list[Section]]:
    """The page's chapter title and its records in document order; `chapters` maps earlier pages to theirs."""
    soup = BeautifulSoup(path.read_bytes(), "html.parser")
    notes = footnotes(soup)
    for name in DROP_CLASSES:
        for tag in soup.find_all("div", class_=name):
            tag.decompose()
    top = soup.find("div", class_=["chapter", "preface", "appendix"])
    if top is not None:
        chapter_heading = top.find("h1")
        chapter = clean_heading(chapter_heading)
        records = [Section(f"{path.name}#{anchor(chapter_heading)}", chapter, section_text(top, notes))]
        sections = top.find_all("div", class_="section")
    else:
        # A page of its own for one h2 section; its chapter is the page it links to as "up".
        top = soup.find("div", class_="section")
        up = soup.find("link", rel="up")
        if top is None or up is None or str(up["href"]) not in chapters:
            raise ValueError(f"{path.name}: no chapter, preface, appendix or section of a known chapter")
        chapter = chapters[str(up["href"])]
        records = []
        sections = [top, *top.find_all("div", class_="section")]
    for section in sections:
        heading = own_heading(section)
        if heading is None or heading.name not in ("h2", "h3"):
            continue
        records.append(
            Section(
                f"{path.name}#{anchor(heading)}", f"{chapter} > {clean_heading(heading)}", section_text(section, notes)
            )
        )
    return chapter, [record for record in records if record.text]


def package_version(package: str) -> str:
    """The installed package's version, or "unknown" without dpkg."""
    try:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", package], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip()


def main() -> None:
    """Write corpus.jsonl and source.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", choices=sorted(BOOKS), default="debian-reference-en")
    parser.add_argument("--source", type=Path, help="the package's HTML directory (default: where Debian puts it)")
    parser.add_argument("--out", type=Path, help="the output directory (default: bench/devsets/<set name>)")
    args = parser.parse_args()
    book = BOOKS[args.package]
    source_dir = args.source or book.source
    out = args.out or book.out
    version = package_version(book.package)
    if version != book.built_from:
        print(f"warning: {book.package} is {version}; the committed corpus was made from {book.built_from}")
    paths = [source_dir / page for page in book.pages(source_dir)]
    chapters: dict[str, str] = {}
    records: list[Section] = []
    for path in paths:
        chapters[path.name], page_records = page_sections(path, chapters)
        records.extend(page_records)
    ids = [record.doc_id for record in records]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate section ids")
    out.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps({"_id": r.doc_id, "title": r.title, "text": r.text}, ensure_ascii=False) for r in records)
    corpus = out / "corpus.jsonl"
    corpus.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    source = {
        "package": book.package,
        "version": version,
        "licence": book.licence,
        "upstream": book.upstream,
        "html": str(source_dir),
        "files": {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths},
        "builder": "bench/devsets/build_corpus.py",
        "corpus_records": len(records),
        "corpus_bytes": corpus.stat().st_size,
    }
    (out / "source.json").write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    print(f"{len(records)} sections, {corpus.stat().st_size:,} bytes -> {corpus}")


if __name__ == "__main__":
    main()
