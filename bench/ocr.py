"""OCR speed and accuracy on scanned pages made from a real PDF, beside the text-layer read.

    python bench/ocr.py [--pdf /usr/share/doc/bash/bashref.pdf] [--pages 5] [--scan-dpi 200,300]

Full pages of running text of a real PDF (chosen from its text layer) are each rendered at
the scan resolution and saved as an image-only PDF (JPEG inside, as Pillow writes it), the way a
scanner makes them. For each page: the seconds to render it for OCR, to OCR it, and to parse the
whole scanned page with askdocs' PDF reader (render + OCR + layout, empty cache), then again with
the OCR cache warm; the seconds the text layer of the original page takes to read; and the share of
the text layer's words the OCR recovered (recall) and of the OCR's words that are right (precision),
words compared as lower-case runs of letters and digits, line-end hyphenation mended in both.
Medians over the pages. The machine may be shared: the load average is recorded with the figures.
Results go to bench/results/ocr-DATE.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*([a-z])")
T = TypeVar("T")


def words(text: str) -> Counter[str]:
    """Lower-case runs of letters and digits, hyphenation across line ends mended."""
    return Counter(re.findall(r"[a-z0-9]+", _HYPHEN_BREAK.sub(r"\1\2", text).lower()))


def prose_pages(path: Path, count: int) -> list[int]:
    """0-based numbers of `count` full pages of running text, spread through the document: at least
    350 words, 10 or more to a line on average, no dot leaders (a table of contents) or index."""
    from pypdf import PdfReader

    found = []
    for number, page in enumerate(PdfReader(path).pages):
        text = page.extract_text() or ""
        lines = [line for line in text.splitlines() if line.strip()]
        prose = re.findall(r"[^\W\d_]{2,}", text)
        if len(prose) >= 350 and len(prose) >= 10 * len(lines) and ". . ." not in text and ".." not in text:
            found.append(number)
    step = max(1, len(found) // count)
    return found[::step][:count]


def scanned(path: Path, number: int, dpi: int) -> bytes:
    """Page `number` of `path` as an image-only PDF scanned at `dpi`."""
    import pypdfium2 as pdfium

    image = pdfium.PdfDocument(path)[number].render(scale=dpi / 72, grayscale=True).to_pil()
    out = io.BytesIO()
    image.save(out, "PDF", resolution=dpi)
    return out.getvalue()


def seconds(action: Callable[[], T]) -> tuple[float, T]:
    """Wall seconds of calling `action`, and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def measure(path: Path, number: int, scan_dpi: int, text_layer: tuple[float, str]) -> dict[str, float]:
    """The figures of one page scanned at `scan_dpi` (see the module docstring)."""
    from askdocs.ingest.formats import ocr, pdf
    from askdocs.ingest.formats.base import ParseContext

    data = scanned(path, number, scan_dpi)
    scans = pdf._Scans(data)
    render_s, image = seconds(partial(scans.render, 1))
    scans.close()
    ocr_s, _ = seconds(partial(ocr.recognize, image))
    parse_s, parsed = seconds(partial(pdf.parse, ParseContext("scan.pdf"), data))
    cached_s, _ = seconds(partial(pdf.parse, ParseContext("scan.pdf"), data))
    truth = words(text_layer[1])
    got = words("\n".join(p.text for p in parsed.passages))
    right = sum((truth & got).values())
    return {
        "page": number + 1,
        "render_width_px": image.width,
        "words": sum(truth.values()),
        "render_s": round(render_s, 3),
        "ocr_s": round(ocr_s, 2),
        "parse_s": round(parse_s, 2),
        "parse_cached_s": round(cached_s, 4),
        "text_layer_s": round(text_layer[0], 4),
        "recall": round(right / max(1, sum(truth.values())), 4),
        "precision": round(right / max(1, sum(got.values())), 4),
    }


def main() -> None:
    """Run the benchmark and write its JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pdf", type=Path, default=Path("/usr/share/doc/bash/bashref.pdf"))
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--scan-dpi", default="200,300", help="comma-separated scan resolutions")
    parser.add_argument("--out", type=Path, default=RESULTS / f"ocr-{date.today().isoformat()}.json")
    args = parser.parse_args()
    # An empty OCR cache of the run's own, so every first parse really reads.
    cache = tempfile.mkdtemp(prefix="askdocs-bench-ocr-")
    os.environ["ASKDOCS_CACHE"] = cache
    try:
        run(args)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def run(args: argparse.Namespace) -> None:
    """Measure the pages and write the results."""

    from pypdf import PdfReader

    from askdocs.ingest.formats import ocr, ocr_layout, pdf

    load_before = os.getloadavg()
    load_seconds, _ = seconds(ocr._engine)
    reader = PdfReader(args.pdf)
    pages = prose_pages(args.pdf, args.pages)
    text_layer = {number: seconds(partial(reader.pages[number].extract_text)) for number in pages}
    runs: dict[str, dict[str, object]] = {}
    for scan_dpi in (int(d) for d in args.scan_dpi.split(",")):
        rows = []
        for number in pages:
            rows.append(measure(args.pdf, number, scan_dpi, text_layer[number]))
            print(f"scan {scan_dpi} dpi: {rows[-1]}", flush=True)
        median = {key: statistics.median(r[key] for r in rows) for key in rows[0] if key != "page"}
        runs[f"scan_{scan_dpi}_dpi"] = {"median": median, "pages": rows}
        print(
            f"scan {scan_dpi} dpi, median of {len(rows)} pages: render {median['render_s']:.2f} s + OCR "
            f"{median['ocr_s']:.2f} s a page (parse {median['parse_s']:.2f} s, from the cache "
            f"{median['parse_cached_s']:.3f} s; text layer {median['text_layer_s']:.3f} s); "
            f"recall {median['recall']:.3f}, precision {median['precision']:.3f}",
            flush=True,
        )
    result = {
        "date": date.today().isoformat(),
        "pdf": str(args.pdf),
        "pages": [n + 1 for n in pages],
        "engine": ocr.engine_version(),
        "render_dpi": pdf.OCR_DPI,
        "min_confidence": ocr_layout.MIN_CONFIDENCE,
        "threads": ocr._threads(),
        "cpus": os.cpu_count(),
        "engine_load_s": round(load_seconds, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
