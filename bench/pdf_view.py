"""Opening a cited place: a PDF page rendered with its sentence marked, and a text hit's context.

    python bench/pdf_view.py [--pages 300] [--samples 60]

Builds a library of one `--pages`-page PDF (about 40 lines of text a page), then times, in this one
process: rendering a cited page with its answering sentence marked (`serve.pdf_view.page_png`, cache
cleared before each page: the cold case), the same page again (cached), a text hit's surrounding
passages (`Searcher.context`), and a plain search of the same index as the baseline. Results go to
bench/results/pdf-view-DATE.json. The issue's targets: page p95 <= 300 ms, text context <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from askdocs import Searcher  # noqa: E402
from askdocs.ingest.pipeline import build_index  # noqa: E402
from askdocs.serve import pdf_view  # noqa: E402
from askdocs.settings import IndexSettings  # noqa: E402
from tests.conftest import make_pdf  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORDS = "record copy change backup disk night server file page volume mirror restore archive log".split()


def page_text(number: int, rng: random.Random) -> str:
    """About 40 lines of plain sentences; line 5 is the page's own sentence to find."""
    lines = [" ".join(rng.choice(WORDS) for _ in range(9)) + "." for _ in range(40)]
    lines[4] = f"Page {number} says the backup of volume {number} is kept offsite."
    return "\n".join(lines)


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds."""
    return {
        "p50_ms": round(float(np.percentile(samples, 50)), 2),
        "p95_ms": round(float(np.percentile(samples, 95)), 2),
    }


def main() -> None:
    """Build the library, time each way of opening a cited place, print and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--out", type=Path, default=RESULTS / f"pdf-view-{date.today().isoformat()}.json")
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        corpus.mkdir()
        pdf = corpus / "manual.pdf"
        pdf.write_bytes(make_pdf([page_text(n, rng) for n in range(1, args.pages + 1)]))
        build_index(corpus, Path(scratch) / "index", IndexSettings())
        searcher = Searcher.load(Path(scratch) / "index")
        pages = rng.sample(range(1, args.pages + 1), min(args.samples, args.pages))
        cold, warm, search, context = [], [], [], []
        for number in pages:
            sentence = f"Page {number} says the backup of volume {number} is kept offsite."
            started = time.perf_counter()
            hits = searcher.search(f"where is the backup of volume {number} kept", k=5)
            search.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            searcher.context(hits[0])
            context.append((time.perf_counter() - started) * 1000)
            pdf_view._rendered.cache_clear()
            started = time.perf_counter()
            pdf_view.page_png(pdf, number, sentence)
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            pdf_view.page_png(pdf, number, sentence)
            warm.append((time.perf_counter() - started) * 1000)
    figures = {
        "pdf_pages": args.pages,
        "samples": len(pages),
        "page_render_and_mark_cold": percentiles(cold),
        "page_render_and_mark_cached": percentiles(warm),
        "text_context": percentiles(context),
        "baseline_search": percentiles(search),
    }
    print(json.dumps(figures, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
