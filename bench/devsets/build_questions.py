"""Turn a dev set's question list (written from section titles, see its README) into BEIR queries and qrels.

    python bench/devsets/build_questions.py bench/devsets/bash-manual

Reads `questions.txt` in the set's folder: one question per line, `Section title|question[|word]`.
The relevant documents are where askdocs cites that section, as `bench/beir.py` names them:
- a PDF (`source.json` kind "pdf"): its pages, `FILE#pN`, from the PDF's outline: the section's first
  page up to the page the next section starts on (at most three pages); with `|word`, only those of
  them whose text holds the word (a long section's page that answers the question);
- HTML (kind "html"): `FILE#ANCHOR` of every passage askdocs reads under that heading (the heading's
  own text, its numbering removed, is the last part of the passage's heading path).
Writes `queries.jsonl` (`_id`, `text`, `metadata.section`) and `qrels/dev.tsv`; a title it cannot
find is an error, so the files always match the corpus.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

_NUMBERING = re.compile(r"^(?:[A-Z]?\d+(?:\.\d+)*\.?|[A-Z]\.)\s+")


def _plain(title: str) -> str:
    return " ".join(_NUMBERING.sub("", title.strip()).split()).casefold()


def pdf_gold(pdf: Path, wanted: list[tuple[str, str | None]]) -> list[set[str]]:
    """Each (title, word)'s pages, as `FILE#pN`."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    starts: list[tuple[str, int]] = []

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                starts.append((_plain(item.title), reader.get_destination_page_number(item) + 1))

    walk(reader.outline)
    gold = []
    for title, word in wanted:
        at = next((i for i, (name, _) in enumerate(starts) if name == _plain(title)), None)
        if at is None:
            raise SystemExit(f"no section {title!r} in {pdf.name}'s outline")
        first = starts[at][1]
        last = max(first, starts[at + 1][1] if at + 1 < len(starts) else first)
        pages = list(range(first, min(last, first + 2) + 1))
        if word:
            pages = [
                p for p in range(first, last + 1) if word.casefold() in reader.pages[p - 1].extract_text().casefold()
            ]
            if not pages:
                raise SystemExit(f"{word!r} is on no page of {title!r}")
        gold.append({f"{pdf.name}#p{page}" for page in pages})
    return gold


def html_gold(corpus: Path, wanted: list[tuple[str, str | None]]) -> list[set[str]]:
    """Each title's passages' places, as `FILE#ANCHOR`, read by askdocs's own HTML reader."""
    from askdocs.ingest.corpus import list_corpus, read_file
    from askdocs.settings import ReadLimits

    places: dict[str, set[str]] = {}
    for file in list_corpus(corpus)[0]:
        document = read_file(file, ReadLimits())
        for passage in getattr(document, "passages", []):
            for c in passage.citations:
                if c.section and c.anchor:
                    places.setdefault(_plain(c.section.split(" > ")[-1]), set()).add(f"{c.source}#{c.anchor}")
    gold = []
    for title, _ in wanted:
        if _plain(title) not in places:
            raise SystemExit(f"no section {title!r} in {corpus}")
        gold.append(places[_plain(title)])
    return gold


def main() -> None:
    folder = Path(sys.argv[1])
    source = json.loads((folder / "source.json").read_text(encoding="utf-8"))
    corpus = folder / source["corpus"]
    rows = [
        line.split("|") for line in (folder / "questions.txt").read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    wanted = [(row[0], row[2] if len(row) > 2 else None) for row in rows]
    gold = pdf_gold(corpus / source["pdf"], wanted) if source["kind"] == "pdf" else html_gold(corpus, wanted)
    prefix = folder.name
    queries = [
        {
            "_id": f"{prefix}-{n:03d}",
            "text": row[1].strip(),
            "metadata": {"section": row[0], "style": "from a section title"},
        }
        for n, row in enumerate(rows, 1)
    ]
    (folder / "queries.jsonl").write_text(
        "".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8"
    )
    (folder / "qrels").mkdir(exist_ok=True)
    lines = ["query-id\tcorpus-id\tscore"] + [
        f"{q['_id']}\t{doc}\t1" for q, docs in zip(queries, gold) for doc in sorted(docs)
    ]
    (folder / "qrels" / "dev.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{folder.name}: {len(queries)} questions, {sum(len(g) for g in gold)} relevant documents")


if __name__ == "__main__":
    main()
