"""Choose the ranking settings for robustness across the dev sets, not for one of them.

    python bench/choose_ranking.py [--sets ...] [--limit N]

Scores every candidate setting (GRID) on every dev set (bench/beir.py), question by question, then:
- leave one set out: for each set, the candidate best on the *other* sets (mean over sets of the
  gain in nDCG@10 over dense-only search) is scored on the left-out set, beside dense and keyword;
- the robust choice over all sets: the largest mean gain among candidates that lose to dense on
  no set (the gain's paired-bootstrap interval must reach 0 or above), gain over dense on the mean
  over sets, and keep MedQuAD dev within
  MEDQUAD_FLOOR (the issue's target: no loss over 0.005 from 0.7394), with its intervals per set.
Writes bench/results/choose-ranking-DATE.json; docs/quality.md quotes it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
from beir import DEV_SETS, document_ranking, ndcg_at_10, paired_interval  # noqa: E402
from quality import ensure_index, index_name  # noqa: E402

from askdocs import Searcher  # noqa: E402
from askdocs.settings import IndexSettings, RankingSettings  # noqa: E402

# Issue #27's grid (docs/quality.md states the procedure): how much a question's dense/keyword
# disagreement lowers its keyword weights (agreement_floor 1.0 is the ranking shipped before), at the
# shipped keyword weight and a higher one (trust in agreeing keywords may afford more weight).
# Issue #19's grid was keyword_weight (0.2, 0.35, 0.5) x keyword_full_terms (0, 3, 5, 8) x
# sentence_keyword_weight (0.25, 0.5); its choice is the shipped values below.
GRID: dict[str, tuple[float, ...]] = {
    "keyword_weight": (0.35, 0.5),
    "keyword_full_terms": (3,),
    "sentence_keyword_weight": (0.5,),
    "agreement_floor": (1.0, 0.75, 0.5, 0.25, 0.0),
}
RESULTS = ROOT / "bench" / "results"
MEDQUAD_FLOOR = 0.7394 - 0.005


def candidates() -> list[dict[str, float]]:
    """Every combination of the grid's values."""
    names = list(GRID)
    return [dict(zip(names, values)) for values in itertools.product(*GRID.values())]


def label(candidate: dict[str, float]) -> str:
    """`keyword_weight=0.35,keyword_full_terms=5,...`."""
    return ",".join(f"{k}={v}" for k, v in candidate.items())


def per_question(searcher: Searcher, queries: dict[str, str], qrels: dict[str, set[str]], **search) -> np.ndarray:
    """nDCG@10 of each question, in `queries` order."""
    return np.array(
        [
            ndcg_at_10(document_ranking(searcher.search(text, k=100, highlight=False, **search)), qrels[q])
            for q, text in queries.items()
        ]
    )


def score_sets(names: list[str], limit: int) -> dict[str, dict[str, np.ndarray]]:
    """Per-question nDCG@10 of dense, keyword and every candidate, on each set."""
    scores: dict[str, dict[str, np.ndarray]] = {}
    for devset in (d for d in DEV_SETS if d.name in names):
        queries, qrels, _ = devset.load()
        if limit:
            queries = dict(list(queries.items())[:limit])
        searcher = Searcher.load(ensure_index(index_name(devset), devset.corpus(), IndexSettings()))
        by: dict[str, np.ndarray] = {
            "dense": per_question(searcher, queries, qrels, mode="dense"),
            "keyword": per_question(searcher, queries, qrels, mode="keyword"),
        }
        for candidate in candidates():
            ranking = replace(RankingSettings(), **candidate)
            by[label(candidate)] = per_question(searcher, queries, qrels, ranking=ranking)
        scores[devset.name] = by
        print(f"{devset.name}: {len(queries)} questions, dense {by['dense'].mean():.4f}", flush=True)
    return scores


def mean_gain(scores: dict[str, dict[str, np.ndarray]], sets: list[str], name: str) -> float:
    """Mean over `sets` of the candidate's nDCG@10 gain over dense-only search."""
    return float(np.mean([scores[s][name].mean() - scores[s]["dense"].mean() for s in sets]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(d.name for d in DEV_SETS))
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS / f"choose-ranking-{date.today().isoformat()}.json")
    args = parser.parse_args()
    names = [n for n in args.sets.split(",") if n]
    scores = score_sets(names, args.limit)
    sets = list(scores)
    labels = [label(c) for c in candidates()]
    shipped = label({k: getattr(RankingSettings(), k) for k in GRID})
    out: dict[str, object] = {"grid": GRID, "shipped": shipped, "sets": {}, "leave_one_out": {}}
    for s in sets:
        out["sets"][s] = {
            "questions": len(scores[s]["dense"]),
            "dense": round(float(scores[s]["dense"].mean()), 4),
            "keyword": round(float(scores[s]["keyword"].mean()), 4),
            "candidates": {n: round(float(scores[s][n].mean()), 4) for n in labels},
        }
    print(
        f"\n{'left out':<18} {'chosen on the others':<70} {'dense':>7} {'keyword':>8} {'chosen':>7} gain over dense [95 %]"
    )
    for s in sets:
        others = [o for o in sets if o != s]
        best = max(labels, key=lambda n: mean_gain(scores, others, n))
        gain = paired_interval(scores[s][best] - scores[s]["dense"])
        out["leave_one_out"][s] = {"chosen": best, "ndcg": round(float(scores[s][best].mean()), 4), "gain": gain}
        print(
            f"{s:<18} {best:<70} {scores[s]['dense'].mean():>7.4f} {scores[s]['keyword'].mean():>8.4f} "
            f"{scores[s][best].mean():>7.4f} {gain['mean']:+.4f} [{gain['ci95'][0]:+.4f}, {gain['ci95'][1]:+.4f}]"
        )
    never_loses = [
        n
        for n in labels
        if all(paired_interval(scores[s][n] - scores[s]["dense"])["ci95"][1] >= 0 for s in sets)
        and ("medquad" not in scores or scores["medquad"][n].mean() >= MEDQUAD_FLOOR)
        and mean_gain(scores, sets, n) > 0
    ]
    robust = max(never_loses or labels, key=lambda n: mean_gain(scores, sets, n))
    out["robust_choice"] = {
        "candidate": robust,
        "never_loses_to_dense": robust in never_loses,
        "per_set": {s: paired_interval(scores[s][robust] - scores[s]["dense"]) for s in sets},
    }
    out["shipped_before"] = {
        s: paired_interval(scores[s][shipped] - scores[s]["dense"]) for s in sets if shipped in scores[s]
    }
    print(f"\nrobust choice over all sets: {robust}")
    for s in sets:
        g = out["robust_choice"]["per_set"][s]
        print(
            f"  {s:<18} {scores[s][robust].mean():.4f} vs dense {scores[s]['dense'].mean():.4f}: {g['mean']:+.4f} [{g['ci95'][0]:+.4f}, {g['ci95'][1]:+.4f}]"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
