"""Filters and phrases at scale (issue #31): a 1M-chunk index whose passages cite 100 folders of 1,000
files each, searched plain, with a filter keeping 1 % of it, with a phrase, and with both.

    python bench/filters.py [--size 1000000] [--questions 100]

The index is the MedQuAD build repeated with noisy vectors (bench/speed.py's synthetic index, real
format, real keyword and vector indexes); each passage cites `f<NN>/doc<MMM>.<txt|pdf>` dated by its
folder. In one fresh process: p50/p95 of plain search (the baseline), a 1 % folder filter new to
each question (`folder:f50`, `f51`, ...: nothing cached), the same 1 % folder for every question
(`folder:f07`: its chunks kept after the first), `type:pdf folder:f07`, `after:` keeping 1 %, a phrase of three words from the answer's
own passage, and phrase plus folder; for the filtered questions, recall@10 against an exact search
of the filtered subset (the same ranking with every chunk of the subset as a candidate). The first
filtered question, which builds the file table, is timed apart. Results go to
bench/results/filters-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from speed import CACHE, PY, RESULTS, store_has_build, synthetic_index  # noqa: E402

FOLDERS = 100
FILES = 1000
FIRST_DAY = date(2020, 1, 1)


def tag(citation: Any, copy: int, passage: int) -> Any:
    """Passage `passage` of copy `copy` cites a file of one of 100 folders, dated by its folder."""
    folder = (passage * 7 + copy) % FOLDERS
    kind = "pdf" if passage % 2 else "txt"
    dated = (FIRST_DAY + timedelta(days=folder)).isoformat()
    return replace(citation, source=f"f{folder:02d}/doc{passage % FILES:03d}.{kind}", doc_id=None, date=dated)


MEASURE = r"""
import json, sys, time
from dataclasses import replace
import numpy as np
from askdocs import Searcher

searcher = Searcher.load(sys.argv[1], verify=False)
questions = json.loads(sys.argv[2])
started = time.perf_counter()
searcher.search(questions[0] + " folder:f07", k=10)
first_filtered_ms = (time.perf_counter() - started) * 1000

def phrase_of(question):
    hit = searcher.search(question, k=1, highlight=False)[0]
    words = hit.text.split()
    middle = len(words) // 2
    return " ".join(words[middle : middle + 3]).replace('"', "")

order = {q: i for i, q in enumerate(questions)}
kinds = {
    "plain": lambda q: q,
    "folder_1pct_new_each_time": lambda q: q + f" folder:f{50 + order[q] % 50:02d}",
    "folder_1pct": lambda q: q + " folder:f07",
    "type_and_folder": lambda q: q + " type:pdf folder:f07",
    "dates_1pct": lambda q: q + " after:2020-01-08 before:2020-01-09",
    "phrase": lambda q: q + ' "' + phrases[q] + '"',
    "phrase_and_folder": lambda q: q + ' "' + phrases[q] + '" folder:f07',
}
phrases = {q: phrase_of(q) for q in questions}
for q in questions[:5]:
    searcher.search(q)
out = {"chunks": len(searcher.index.chunks), "files": len(searcher.index.sources()), "first_filtered_question_ms": round(first_filtered_ms, 1)}
for name, make in kinds.items():
    times, recalls, found = [], [], 0
    for q in questions:
        typed = make(q)
        started = time.perf_counter()
        hits = searcher.search(typed, k=10)
        times.append((time.perf_counter() - started) * 1000)
        found += bool(hits)
        if name in ("folder_1pct", "folder_1pct_new_each_time", "type_and_folder", "dates_1pct") and hits:
            exact = searcher.search(typed, k=10, ranking=replace(searcher.ranking, candidates=2_000_000))
            got, want = {h.passage_id for h in hits}, {h.passage_id for h in exact}
            recalls.append(len(got & want) / max(1, len(want)))
    out[name] = {"p50_ms": round(float(np.percentile(times, 50)), 2), "p95_ms": round(float(np.percentile(times, 95)), 2), "questions_with_hits": found}
    if recalls:
        out[name]["recall_at_10_vs_exact_subset"] = round(float(np.mean(recalls)), 4)
print(json.dumps(out))
"""


def main() -> None:
    """Write (or reuse) the index, measure in a fresh process, print and save."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "medquad")
    parser.add_argument("--out", type=Path, default=RESULTS / f"filters-{date.today().isoformat()}.json")
    args = parser.parse_args()
    index = CACHE / f"filtered{args.size}" / "index"
    if not store_has_build(index):
        started = time.perf_counter()
        synthetic_index(index, args.size, tag)
        print(f"synthetic index of {args.size} chunks written in {time.perf_counter() - started:.0f} s")
    lines = (args.data / "queries-dev.jsonl").read_text().splitlines()[: args.questions]
    questions = [json.loads(line)["text"] for line in lines]
    done = subprocess.run(
        [PY, "-c", MEASURE, str(index), json.dumps(questions)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    figures = {"size": args.size, "questions": len(questions), **json.loads(done.stdout.strip().splitlines()[-1])}
    print(json.dumps(figures, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
