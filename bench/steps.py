"""First answers in a minute (#32): a long first ingest published in steps, against one publication at the end.

    python bench/steps.py [--megabytes 100] [--questions 200]

The library: `--megabytes` of synthetic reports built from the sentences of the MedQuAD dev split's
answers (../shared/bench/medquad, CC BY 4.0), each paragraph 3-6 sentences drawn at random, so no two
passages are duplicates; files of 8-40 paragraphs, dated oldest to newest, and, newest of all, one
file with a fact of its own (the question asked for the first answer). 100 MB holds about 220k chunks.

Both ingests run in this process, one after the other, with the same loaded encoder (loading it is
not counted), on the same files, with the same settings (the defaults):
1. one-shot: `build_index(steps=None)`, published once at the end (the baseline);
2. stepped: `build_index()` as `ingest.py` runs it. A thread polls the index folder and, once a build
   is published, asks for the newest file's fact: the time to the first answer. Each step's
   publication is recorded with the files searchable then and the time the ingest said was left.
3. search: `--questions` MedQuAD dev questions on both final builds after a warm-up, each asked of
   both in turn: p50/p95 of each and whether every hit list is identical (`--search-only` measures
   this again on the last run's builds).
Results: bench/results/steps-DATE.json. Needs no server; runs on the machine's cores as ingest does.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from speed import CACHE, RESULTS, percentiles, write_result  # noqa: E402

from askdocs.encoders import load_encoder  # noqa: E402
from askdocs.index import publication  # noqa: E402
from askdocs.index.progress import read_progress  # noqa: E402
from askdocs.ingest.pipeline import build_index  # noqa: E402
from askdocs.search.searcher import Searcher  # noqa: E402
from askdocs.settings import DEFAULT_MODEL, IndexSettings  # noqa: E402

MEDQUAD = ROOT.parent / "shared" / "bench" / "medquad"
WORK = CACHE / "steps"
FACT_FILE = "zz-newest/quokkas.txt"
FACT = "About twelve thousand quokkas live on Rottnest Island, off the coast of Perth.\n"
QUESTION = "How many quokkas live on Rottnest Island?"


def sentences() -> list[str]:
    """Every sentence of the dev split's answers (a sentence: up to a full stop, at least 30 characters)."""
    found: list[str] = []
    with (MEDQUAD / "corpus.jsonl").open(encoding="utf-8") as rows:
        for line in rows:
            text = json.loads(line)["text"]
            found += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.strip()) >= 30]
    return found


def write_library(folder: Path, megabytes: float, seed: int = 0) -> int:
    """Synthetic reports up to `megabytes`, oldest to newest, and the fact file newest of all; the file count."""
    if folder.exists():
        shutil.rmtree(folder)
    pool, rng = sentences(), random.Random(seed)
    written, files, start = 0, 0, time.time() - 10_000_000
    while written < megabytes * 1_000_000:
        paragraphs = [" ".join(rng.sample(pool, rng.randint(3, 6))) for _ in range(rng.randint(8, 40))]
        text = f"Report {files}\n\n" + "\n\n".join(paragraphs) + "\n"
        path = folder / f"f{files // 500:03d}" / f"report-{files:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        stamp = start + files * 60
        os.utime(path, (stamp, stamp))
        written += len(text.encode())
        files += 1
    fact = folder / FACT_FILE
    fact.parent.mkdir(parents=True, exist_ok=True)
    fact.write_text(FACT, encoding="utf-8")
    return files + 1


def first_answer_watch(index: Path, started: float, seen: dict[str, float]) -> threading.Thread:
    """A thread that asks the fact's question as soon as a build is published; the time it was answered."""

    def watch() -> None:
        while time.perf_counter() - started < 7200:
            if publication.current_token(index) is not None:
                hits = Searcher.load(index).search(QUESTION, k=1)
                if hits and hits[0].citations[0].source == FACT_FILE:
                    seen["first_answer_s"] = time.perf_counter() - started
                    return
            time.sleep(0.25)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def stepped_ingest(corpus: Path, index: Path, encoder: Any) -> dict[str, Any]:
    """The ingest as `ingest.py` runs it, with each step's publication and the first answer timed."""
    steps: list[dict[str, Any]] = []
    seen: dict[str, float] = {}
    started = time.perf_counter()

    def heard(stage: str) -> None:
        progress = read_progress(index)
        if "files searchable" in stage and progress is not None and progress.steps:
            steps.append(
                {
                    "at_s": round(time.perf_counter() - started, 1),
                    "files_searchable": progress.files_searchable,
                    "files": progress.files_total,
                    "said_seconds_left": None if progress.seconds_left is None else round(progress.seconds_left),
                }
            )

    watcher = first_answer_watch(index, started, seen)
    summary = build_index(corpus, index, IndexSettings(), encoder=encoder, on_stage=heard)
    total = time.perf_counter() - started
    watcher.join(5)
    for step in steps:  # how good the estimate was
        step["actual_seconds_left"] = round(total - step["at_s"])
    return {
        "total_s": round(total, 1),
        "first_answer_s": round(seen.get("first_answer_s", float("nan")), 1),
        "steps_before_the_final": summary.steps,
        "steps": steps,
        "chunks": summary.counts.chunks,
        "files": summary.counts.files,
    }


def search_figures(one: Path, stepped: Path, count: int) -> dict[str, Any]:
    """The same questions on both final builds: latency of each, and whether every hit list is the same."""
    rows = [json.loads(line) for line in (MEDQUAD / "queries-dev.jsonl").open(encoding="utf-8")]
    questions = [row["text"] for row in random.Random(1).sample(rows, count)]
    searchers = {"one_shot": Searcher.load(one), "stepped": Searcher.load(stepped)}
    for searcher in searchers.values():
        for question in questions[:20]:
            searcher.search(question, k=10)
    times: dict[str, list[float]] = {name: [] for name in searchers}
    answers: dict[str, list[Any]] = {name: [] for name in searchers}
    # Alternated, each question asked of both in turn (the first of the pair changing), so neither
    # build is measured in a quieter or warmer moment than the other.
    for number, question in enumerate(questions):
        names = list(searchers) if number % 2 else list(reversed(searchers))
        for name in names:
            begun = time.perf_counter()
            hits = searchers[name].search(question, k=10)
            times[name].append(time.perf_counter() - begun)
            answers[name].append([(h.text, round(h.score, 6)) for h in hits])
    figures: dict[str, Any] = {name: percentiles(samples) for name, samples in times.items()}
    figures["identical_hits"] = sum(a == b for a, b in zip(answers["one_shot"], answers["stepped"]))
    figures["questions"] = count
    figures["p50_ratio"] = round(figures["stepped"]["p50_ms"] / figures["one_shot"]["p50_ms"], 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=100.0)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--search-only", action="store_true", help="measure search again on the last run's builds")
    args = parser.parse_args()
    corpus = WORK / "corpus"
    if args.search_only:
        out = RESULTS / f"steps-{date.today().isoformat()}.json"
        result = json.loads(out.read_text(encoding="utf-8"))
        result["search"] = search_figures(WORK / "index-one-shot", WORK / "index-stepped", args.questions)
        out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
        print(json.dumps(result["search"], indent=1))
        return
    files = write_library(corpus, args.megabytes)
    encoder = load_encoder(DEFAULT_MODEL, IndexSettings().encoder)
    one, stepped = WORK / "index-one-shot", WORK / "index-stepped"
    for index in (one, stepped):
        shutil.rmtree(index, ignore_errors=True)
    began = time.perf_counter()
    once = build_index(corpus, one, IndexSettings(), encoder=encoder, steps=None)
    one_shot = {"total_s": round(time.perf_counter() - began, 1), "chunks": once.counts.chunks}
    print("one-shot", one_shot, flush=True)
    steps = stepped_ingest(corpus, stepped, encoder)
    print("stepped", {k: v for k, v in steps.items() if k != "steps"}, flush=True)
    result = {
        "date": date.today().isoformat(),
        "library": {"megabytes": args.megabytes, "files": files},
        "one_shot": one_shot,
        "stepped": steps,
        "stepping_overhead": round(steps["total_s"] / one_shot["total_s"] - 1, 4),
        "search": search_figures(one, stepped, args.questions),
    }
    write_result("steps", result)


if __name__ == "__main__":
    main()
