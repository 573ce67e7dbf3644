"""The watcher (`ingest.py --watch`, default WatchSettings): how soon a change is answerable, against a one-shot ingest.

    python bench/watch.py [--reps 5]

The watcher runs as its own process over a copy of the seed corpus; this process changes files and
polls the index, loading a fresh Searcher whenever a new build is published.
a. a small .txt file written -> a fresh Searcher's top hit cites it (median of --reps; again with
   the PDF of b in the corpus, so every ingest re-reads it).
b. a 300-page PDF written -> its page 250 is the top hit; then the PDF rewritten with page 250 edited.
   Its text: paragraphs of The Debian Administrator's Handbook (Debian package debian-handbook,
   /usr/share/doc/debian-handbook/html/en-US, GPL-2+ or CC-BY-SA-3.0), in book order, with one
   made-up sentence planted on page 250; written by tests/conftest.py's make_pdf.
c. a small file removed -> gone from a fresh Searcher.
d. 1,000 small files created, then rewritten, then touched (os.utime) at once -> ingests and time.
Baseline in the same run, the watcher stopped: one-shot build_index (model loaded beforehand, as the
watcher's is) + Searcher.load for the same changes; and what reading every corpus file costs.
Results go to bench/results/watch-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from askdocs import Searcher  # noqa: E402
from askdocs.encoders import load_encoder  # noqa: E402
from askdocs.index import publication  # noqa: E402
from askdocs.ingest.corpus import list_corpus, read_file  # noqa: E402
from askdocs.ingest.executor import LocalExecutor  # noqa: E402
from askdocs.ingest.pipeline import build_index  # noqa: E402
from askdocs.ingest.prepare import read_corpus  # noqa: E402
from askdocs.settings import DEFAULT_MODEL, IndexSettings  # noqa: E402
from tests.conftest import make_pdf  # noqa: E402

RESULTS = ROOT / "bench" / "results"
HANDBOOK = Path("/usr/share/doc/debian-handbook/html/en-US")
TIMEOUT = 900.0
PDF_PAGE = 250

# Made-up facts: words no other document has, so the top hit is unambiguous.
FACTS = [
    ("The Vellmora orchard grows violet plums that ripen in late October.", "When do the Vellmora plums ripen?"),
    (
        "The Quintabar choir rehearses in the old salt warehouse on Tuesdays.",
        "Where does the Quintabar choir rehearse?",
    ),
    ("Ostrevan glass is tempered in cold seawater to make it shatter-proof.", "How is Ostrevan glass tempered?"),
    ("The Durnholt bridge was painted orange to warn ships in thick fog.", "Why is the Durnholt bridge orange?"),
    ("Pellacine moths navigate at night by the smell of lime blossoms.", "How do Pellacine moths navigate?"),
    (
        "The Skarrow lighthouse keeper winds the lamp clock every four hours.",
        "How often is the Skarrow lamp clock wound?",
    ),
    ("Marrowind cheese is aged inside volcanic caves for two full years.", "Where is Marrowind cheese aged?"),
    ("The Tolvane tram line runs on recycled cooking oil since last spring.", "What fuel does the Tolvane tram use?"),
    (
        "The Breccan observatory opens its roof only on moonless nights.",
        "When does the Breccan observatory open its roof?",
    ),
    ("Hollisk weavers dye their wool with crushed walnut shells.", "What do Hollisk weavers dye wool with?"),
]
PLANTED = (
    "The Quarry Point relay server rotates its backup tapes every ninth Thursday at dawn.",
    "How often does the Quarry Point relay server rotate its backup tapes?",
)
EDITED = (
    "The Quarry Point relay server keeps its spare fuses in a green steel cabinet.",
    "Where does the Quarry Point relay server keep its spare fuses?",
)


def handbook_pdf(pages: int, planted: str) -> bytes:
    """A `pages`-page PDF of the handbook's paragraphs, `planted` first on page PDF_PAGE."""
    lines = handbook_lines()
    per_page = min(48, len(lines) // pages)
    texts = ["\n".join(lines[i * per_page : (i + 1) * per_page]) for i in range(pages)]
    texts[PDF_PAGE - 1] = planted + "\n\n" + texts[PDF_PAGE - 1]
    return make_pdf(texts)


@cache
def handbook_lines() -> list[str]:
    """The handbook's paragraphs in book order, wrapped to 90 characters, a blank line after each."""
    from bs4 import BeautifulSoup

    lines: list[str] = []
    for path in sorted(HANDBOOK.glob("*.html")):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for div in soup.find_all("div", class_="para"):
            if div.find("div", class_="para") is None:
                # make_pdf writes PDF string literals unescaped, in Helvetica: plain ASCII, no parentheses.
                text = re.sub(r"[()\\]", "", " ".join(div.get_text(" ").split()).encode("ascii", "ignore").decode())
                if len(text) > 80:
                    lines += [*textwrap.wrap(text, 90), ""]
    return lines


class WatchProcess:
    """`ingest.py --watch` as a user runs it, its log in a file."""

    def __init__(self, corpus: Path, index: Path, log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        command = [sys.executable, "ingest.py", "--corpus", str(corpus), "--index", str(index), "--watch"]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self._out, stderr=self._out)

    def ingests(self) -> list[str]:
        """The watcher's one line per ingest, so far."""
        return [line for line in self.log.read_text().splitlines() if "askdocs.ingest.watch:" in line]

    def stop(self) -> str:
        # SIGTERM, as `make run` stops it: a process started in the background may ignore SIGINT.
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._out.close()
        return self.log.read_text().strip().splitlines()[-1]

    def cpu_and_memory(self) -> tuple[float, int]:
        """CPU seconds used so far and resident memory (bytes)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss_pages = int(fields[21])
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), rss_pages * os.sysconf("SC_PAGE_SIZE")


def until(check: Callable[[], bool], started: float) -> float:
    """Seconds from `started` until `check()` holds (polled every 10 ms)."""
    while time.perf_counter() - started < TIMEOUT:
        if check():
            return time.perf_counter() - started
        time.sleep(0.01)
    raise TimeoutError("the change never showed")


def on_new_build(index: Path, holds: Callable[[Searcher], bool]) -> Callable[[], bool]:
    """A check: `holds` is true of a Searcher loaded from a build published since this check was made."""
    seen = {"token": publication.current_token(index)}

    def check() -> bool:
        token = publication.current_token(index)
        if token == seen["token"]:
            return False
        seen["token"] = token
        return holds(Searcher.load(index))

    return check


def fresh_answer(index: Path, question: str, source: str, page: int | None = None) -> Callable[[], bool]:
    """A check: a newly published build cites `source` (at `page`) first for the question."""

    def cited(searcher: Searcher) -> bool:
        citation = searcher.search(question, k=3)[0].citations[0]
        return citation.source == source and (page is None or citation.page == page)

    return on_new_build(index, cited)


def gone(index: Path, source: str) -> Callable[[], bool]:
    """A check: a newly published build no longer cites `source`."""
    return on_new_build(index, lambda searcher: source not in searcher.sources())


def live_sizes(index: Path, prefix: str) -> dict[str, int]:
    files = publication.open_live(index, verify=False)[1].corpus_files
    return {name: f["size"] for name, f in files.items() if name.startswith(prefix)}


def ingest_seconds(lines: list[str]) -> list[float]:
    return [
        float(m.group(1)) for line in lines if (m := re.search(r"(?:ingested in|nothing to do \() ?([\d.]+) s", line))
    ]


def timed_change(watcher: WatchProcess, change: Callable[[], None], check: Callable[[], bool]) -> dict[str, Any]:
    """Make a change; seconds until `check` holds, and the watcher's ingests meanwhile."""
    before = len(watcher.ingests())
    started = time.perf_counter()
    change()
    seconds = until(check, started)
    lines = watcher.ingests()[before:]
    return {"seconds": round(seconds, 3), "ingests": len(lines), "ingest_seconds": ingest_seconds(lines)}


def small_file_reps(watcher: WatchProcess, corpus: Path, index: Path, facts: list[tuple[str, str]], tag: str) -> dict:
    runs = []
    for i, (fact, question) in enumerate(facts):
        name = f"{tag}-{i}.txt"
        runs.append(
            timed_change(
                watcher, lambda n=name, f=fact: (corpus / n).write_text(f + "\n"), fresh_answer(index, question, name)
            )
        )
        print(f"  {name}: {runs[-1]}", flush=True)
    return {"median_seconds": statistics.median(r["seconds"] for r in runs), "runs": runs}


def burst(watcher: WatchProcess, index: Path, change: Callable[[], None], done: Callable[[], bool]) -> dict[str, Any]:
    """A burst of changes: ingests until `done`, then 5 s more for any trailing one."""
    before = len(watcher.ingests())
    started = time.perf_counter()
    change()
    written = time.perf_counter() - started
    seconds = until(done, started)
    time.sleep(5)
    lines = watcher.ingests()[before:]
    return {"write_seconds": round(written, 3), "seconds": round(seconds, 3), "ingests": len(lines), "log": lines}


def ledger(version: int) -> dict[str, str]:
    """1,000 small files, each a different line; `version` changes every one of them."""
    return {
        f"r{i:04}.txt": f"Record {i} of the parish ledger, version {version}: entry {i * 7919 % 1000} lists {i % 13} sheep.\n"
        for i in range(1000)
    }


def write_ledger(folder: Path, version: int) -> None:
    for name, text in ledger(version).items():
        (folder / name).write_text(text)


def touch(folder: Path) -> None:
    for path in folder.iterdir():
        os.utime(path)


def watcher_figures(corpus: Path, index: Path, work: Path, reps: int, pdf: bytes, edited_pdf: bytes) -> dict[str, Any]:
    out: dict[str, Any] = {}
    watcher = WatchProcess(corpus, index, work / "watch.log")
    try:
        until(lambda: bool(watcher.ingests()), time.perf_counter())
        time.sleep(3)
        cpu_before, _ = watcher.cpu_and_memory()
        time.sleep(10)
        cpu_after, rss = watcher.cpu_and_memory()
        out["idle"] = {"cpu_seconds_per_10s": round(cpu_after - cpu_before, 3), "rss_mb": round(rss / 2**20)}
        print("idle watcher:", out["idle"], flush=True)

        print("a. small file added -> answerable", flush=True)
        out["a_small_file"] = small_file_reps(watcher, corpus, index, FACTS[:reps], "fact")

        print("b. 300-page PDF added -> page 250 answerable", flush=True)
        pdf_path = corpus / "handbook.pdf"
        out["b_pdf_added"] = timed_change(
            watcher, lambda: pdf_path.write_bytes(pdf), fresh_answer(index, PLANTED[1], "handbook.pdf", PDF_PAGE)
        )
        print(" ", out["b_pdf_added"], flush=True)
        out["b_pdf_page_edited"] = timed_change(
            watcher, lambda: pdf_path.write_bytes(edited_pdf), fresh_answer(index, EDITED[1], "handbook.pdf", PDF_PAGE)
        )
        print("  page 250 edited:", out["b_pdf_page_edited"], flush=True)

        print("a'. small file added, the PDF in the corpus", flush=True)
        out["a_small_file_with_pdf"] = small_file_reps(watcher, corpus, index, FACTS[5 : 5 + min(reps, 3)], "more")

        print("c. small file removed -> gone", flush=True)
        runs = [
            timed_change(watcher, lambda n=f"fact-{i}.txt": (corpus / n).unlink(), gone(index, f"fact-{i}.txt"))
            for i in range(min(reps, 3))
        ]
        out["c_removed"] = {"median_seconds": statistics.median(r["seconds"] for r in runs), "runs": runs}
        print(" ", out["c_removed"], flush=True)

        print("d. 1,000 files at once", flush=True)
        many = corpus / "many"
        many.mkdir()

        def sizes_are(version: int) -> Callable[[], bool]:
            expected = {f"many/{name}": len(text.encode()) for name, text in ledger(version).items()}
            return lambda: live_sizes(index, "many/") == expected

        out["d_created"] = burst(watcher, index, lambda: write_ledger(many, 1), sizes_are(1))
        print("  created:", {k: v for k, v in out["d_created"].items() if k != "log"}, flush=True)
        out["d_rewritten"] = burst(watcher, index, lambda: write_ledger(many, 22), sizes_are(22))
        print("  rewritten:", {k: v for k, v in out["d_rewritten"].items() if k != "log"}, flush=True)
        before = len(watcher.ingests())

        out["d_touched"] = burst(watcher, index, lambda: touch(many), lambda: len(watcher.ingests()) > before)
        print("  touched:", {k: v for k, v in out["d_touched"].items() if k != "log"}, flush=True)
    finally:
        out["stopped"] = watcher.stop()
    return out


def baseline_figures(corpus: Path, index: Path, pdf: bytes, edited_pdf: bytes) -> dict[str, Any]:
    """The same changes by a one-shot build_index, the model already loaded, + Searcher.load, from the same states."""
    settings = IndexSettings()
    encoder = load_encoder(DEFAULT_MODEL, settings.encoder)
    out: dict[str, Any] = {}

    def one_shot(change: Callable[[], None], check: Callable[[Searcher], bool]) -> dict[str, Any]:
        change()
        started = time.perf_counter()
        summary = build_index(corpus, index, settings, encoder=encoder)
        built = time.perf_counter() - started
        assert check(Searcher.load(index))
        seconds = time.perf_counter() - started
        return {"seconds": round(seconds, 3), "build_seconds": round(built, 3), "up_to_date": summary.up_to_date}

    def cites(question: str, source: str) -> Callable[[Searcher], bool]:
        return lambda s: s.search(question, k=3)[0].citations[0].source == source

    def untimed(change: Callable[[], None]) -> None:
        change()
        build_index(corpus, index, settings, encoder=encoder)

    pdf_path, many = corpus / "handbook.pdf", corpus / "many"
    untimed(lambda: (shutil.rmtree(many), pdf_path.unlink()))
    fact, question = FACTS[-1]
    out["a_small_file"] = one_shot(lambda: (corpus / "base.txt").write_text(fact + "\n"), cites(question, "base.txt"))
    out["b_pdf_added"] = one_shot(lambda: pdf_path.write_bytes(pdf), cites(PLANTED[1], "handbook.pdf"))
    out["b_pdf_page_edited"] = one_shot(lambda: pdf_path.write_bytes(edited_pdf), cites(EDITED[1], "handbook.pdf"))
    fact, question = FACTS[-2]
    out["a_small_file_with_pdf"] = one_shot(
        lambda: (corpus / "base2.txt").write_text(fact + "\n"), cites(question, "base2.txt")
    )
    out["c_removed"] = one_shot(lambda: (corpus / "base2.txt").unlink(), lambda s: "base2.txt" not in s.sources())
    untimed(lambda: (many.mkdir(), write_ledger(many, 1)))
    out["d_rewritten"] = one_shot(lambda: write_ledger(many, 22), lambda s: "many/r0000.txt" in s.sources())
    out["d_touched"] = one_shot(lambda: touch(many), lambda s: True)
    print("one-shot:", json.dumps(out), flush=True)

    # What every incremental ingest spends re-reading files that did not change.
    started = time.perf_counter()
    files = read_corpus(corpus, settings, LocalExecutor(encoder)).files
    out["read_all_files_seconds"] = round(time.perf_counter() - started, 3)
    out["corpus_files"] = len(files)
    pdf_file = next(f for f in list_corpus(corpus)[0] if f.source == "handbook.pdf")
    started = time.perf_counter()
    read_file(pdf_file, settings.read_limits())
    out["read_pdf_seconds"] = round(time.perf_counter() - started, 3)
    print("reading:", {k: out[k] for k in ("read_all_files_seconds", "corpus_files", "read_pdf_seconds")}, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS / f"watch-{date.today().isoformat()}.json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="askdocs-bench-watch-"))
    try:
        corpus, index = work / "corpus", work / "index"
        shutil.copytree(ROOT / "corpus", corpus)
        started = time.perf_counter()
        pdf, edited_pdf = handbook_pdf(300, PLANTED[0]), handbook_pdf(300, EDITED[0])
        print(f"PDF: {len(pdf):,} bytes, 300 pages, made in {time.perf_counter() - started:.1f} s", flush=True)
        results: dict[str, Any] = {"pdf_bytes": len(pdf), "pdf_text": "The Debian Administrator's Handbook, en-US HTML"}
        results["watcher"] = watcher_figures(corpus, index, work, args.reps, pdf, edited_pdf)
        results["one_shot"] = baseline_figures(corpus, index, pdf, edited_pdf)
        args.out.write_text(json.dumps(results, indent=1))
        print(f"results in {args.out}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
