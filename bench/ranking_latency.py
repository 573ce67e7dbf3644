"""Query latency of a ranking beside the one shipped before, in one process, questions alternated.

    python bench/ranking_latency.py [--questions 300] [--set medquad] [--setting agreement_floor=0.5 ...]

Loads the set's cached index (bench/quality.py builds it), warms up, then asks each question with the
ranking before (as shipped before #27: keyword_weight=0.35, agreement_floor=1.0) and with the settings
given, alternating, and prints p50/p95 of each and their ratio. Results go to
bench/results/ranking-latency-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from beir import DEV_SETS  # noqa: E402
from quality import ensure_index, index_name  # noqa: E402
from speed import percentiles  # noqa: E402

from askdocs import Searcher  # noqa: E402
from askdocs.settings import IndexSettings, RankingSettings  # noqa: E402


def main() -> None:
    """Time both rankings and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--set", default="medquad")
    parser.add_argument("--setting", action="append", default=[], help="NAME=VALUE of the new ranking")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench" / "results" / f"ranking-latency-{date.today().isoformat()}.json"
    )
    args = parser.parse_args()
    devset = next(d for d in DEV_SETS if d.name == args.set)
    searcher = Searcher.load(ensure_index(index_name(devset), devset.corpus(), IndexSettings()))
    queries, _, _ = devset.load()
    questions = list(queries.values())[: args.questions]
    before = replace(RankingSettings(), agreement_floor=1.0, keyword_weight=0.35)
    changes = {name: float(value) for name, value in (s.split("=") for s in args.setting)}
    after = replace(RankingSettings(), **{k: (int(v) if k.endswith("depth") else v) for k, v in changes.items()})
    for question in questions[:20]:
        searcher.search(question, ranking=before)
        searcher.search(question, ranking=after)
    times: dict[str, list[float]] = {"before": [], "after": []}
    for question in questions:
        for name, ranking in (("before", before), ("after", after)):
            started = time.perf_counter()
            searcher.search(question, k=10, ranking=ranking)
            times[name].append((time.perf_counter() - started) * 1000)
    figures = {
        "set": args.set,
        "questions": len(questions),
        "after_settings": changes,
        **{name: percentiles(t, to_ms=1.0) for name, t in times.items()},
    }
    figures["p50_ratio_after_over_before"] = round(figures["after"]["p50_ms"] / figures["before"]["p50_ms"], 3)
    print(json.dumps(figures, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
