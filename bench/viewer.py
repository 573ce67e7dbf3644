"""Opening a cited place, per kind of view, against a plain search of the same index in the same run.

    python bench/viewer.py [--pages 300] [--sections 300] [--rows 5000] [--samples 60]

Builds one library: a `--pages`-page PDF (about 40 lines of text a page), a Markdown manual of
`--sections` sections of eight paragraphs each, a CSV file and an Excel workbook of `--rows` rows each.
Then times, in this one process, `serve.viewer.open_view` (the page's and the API's path, the file
checks included) for: a cited PDF page rendered with its sentence marked (render cache cleared
before each: the cold case) and the same page again (cached); a Markdown passage in its section (the
text context); a CSV row and an Excel row among their neighbours (read from the file); and a plain
`Searcher.search` as the baseline. Results go to bench/results/viewer-DATE.json. The issue's targets:
page p95 <= 300 ms, text context <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from speed import percentiles  # noqa: E402

from askdocs import Searcher  # noqa: E402
from askdocs.ingest.pipeline import build_index  # noqa: E402
from askdocs.records import Citation  # noqa: E402
from askdocs.serve.viewer import open_view, pdf_page  # noqa: E402
from askdocs.settings import IndexSettings  # noqa: E402
from tests.conftest import make_pdf  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORDS = "record copy change backup disk night server file page volume mirror restore archive log".split()


def sentence(rng: random.Random, words: int = 9) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def page_text(number: int, rng: random.Random) -> str:
    """About 40 lines of plain sentences; line 5 is the page's own sentence to find."""
    lines = [sentence(rng) for _ in range(40)]
    lines[4] = f"Page {number} says the backup of volume {number} is kept offsite."
    return "\n".join(lines)


def manual(sections: int, rng: random.Random) -> str:
    """A Markdown manual: a heading and eight paragraphs per section; paragraph 4 names the section."""
    parts = ["# Operations manual\n"]
    for number in range(1, sections + 1):
        parts.append(f"## Procedure {number}\n")
        for paragraph in range(8):
            own = f"Procedure {number} rotates disk {number} every night. " if paragraph == 3 else ""
            parts.append(own + " ".join(sentence(rng) for _ in range(3)) + "\n")
    return "\n".join(parts)


def write_tables(corpus: Path, rows: int, rng: random.Random) -> None:
    """stock.csv and stock.xlsx: a header row, then `rows` rows of item, place, count and a note."""
    from openpyxl import Workbook

    table = [["Item", "Warehouse", "Count", "Note"]]
    table += [[f"part {n}", f"hall {n % 40}", str(rng.randint(1, 900)), sentence(rng, 5)] for n in range(1, rows + 1)]
    (corpus / "stock.csv").write_text("\n".join(",".join(row) for row in table) + "\n", encoding="utf-8")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Stock"
    for row in table:
        sheet.append(row)
    workbook.save(corpus / "stock.xlsx")


def timed(samples: list[float], action: Callable[..., object], *args: object, **kwargs: object) -> object:
    """`action(*args, **kwargs)`, its time in milliseconds appended to `samples`."""
    started = time.perf_counter()
    result = action(*args, **kwargs)
    samples.append((time.perf_counter() - started) * 1000)
    return result


def percentiles_ms(samples: list[float]) -> dict[str, float]:
    """p50 and p95 of samples in milliseconds."""
    return percentiles(samples, to_ms=1.0)


def measure(searcher: Searcher, args: argparse.Namespace, rng: random.Random) -> dict[str, list[float]]:
    """Each kind of view opened at `--samples` random places, and a search before each."""
    times: dict[str, list[float]] = {key: [] for key in ("search", "pdf_cold", "pdf_cached", "text", "csv", "xlsx")}
    for _ in range(args.samples):
        number = rng.randint(1, args.pages)
        mark = f"Page {number} says the backup of volume {number} is kept offsite."
        timed(times["search"], searcher.search, f"where is the backup of volume {number} kept", k=5)
        pdf_page._rendered.cache_clear()
        cited = Citation("manual.pdf", page=number)
        timed(times["pdf_cold"], open_view, searcher, cited, mark)
        timed(times["pdf_cached"], open_view, searcher, cited, mark)
        section = rng.randint(1, args.sections)
        hit = searcher.search(f"Procedure {section} rotates disk {section} every night", k=1, sources=["manual.md"])[0]
        start, end = hit.highlight or (0, len(hit.text))
        timed(times["text"], open_view, searcher, hit.citations[0], hit.text[start:end], hit.passage_id)
        row = rng.randint(2, args.rows + 1)
        timed(times["csv"], open_view, searcher, Citation("stock.csv", row=row))
        timed(times["xlsx"], open_view, searcher, Citation("stock.xlsx", sheet="Stock", row=row))
    return times


def main() -> None:
    """Build the library, time each way of opening a cited place, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--sections", type=int, default=300)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--out", type=Path, default=RESULTS / f"viewer-{date.today().isoformat()}.json")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        (corpus / "manual.pdf").write_bytes(make_pdf([page_text(n, rng) for n in range(1, args.pages + 1)]))
        (corpus / "manual.md").write_text(manual(args.sections, rng), encoding="utf-8")
        write_tables(corpus, args.rows, rng)
        build_index(corpus, Path(scratch) / "index", IndexSettings())
        searcher = Searcher.load(Path(scratch) / "index")
        times = measure(searcher, args, rng)
    figures = {
        "library": {"pdf_pages": args.pages, "markdown_sections": args.sections, "table_rows": args.rows},
        "samples": args.samples,
        "baseline_search": percentiles_ms(times["search"]),
        "pdf_page_render_and_mark_cold": percentiles_ms(times["pdf_cold"]),
        "pdf_page_cached": percentiles_ms(times["pdf_cached"]),
        "text_section": percentiles_ms(times["text"]),
        "csv_row_with_neighbours": percentiles_ms(times["csv"]),
        "xlsx_row_with_neighbours": percentiles_ms(times["xlsx"]),
    }
    print(json.dumps(figures, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
