"""Retrieval quality on a BEIR-style folder, plus the seed-corpus questions and off-topic questions.

    python bench/quality.py [--data ../shared/bench/medquad] [--split dev] [--limit N] [--sweep] [--overlap N]
                             [--encoder fp32] [--no-titles]

Builds (or reuses) an index of the folder's corpus.jsonl under bench/.cache/, then prints nDCG@10,
MRR@10, Recall@10 and Recall@100 at the document level (a hit counts for every `_id` it cites) for
BM25 only, dense only and the shipped hybrid ranking, side by side, and how each question set's
confident / not-confident split came out. Results also go to bench/results/quality-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from askdocs import Searcher  # noqa: E402
from askdocs.build import build_index  # noqa: E402
from askdocs.settings import ENCODERS, IndexSettings, RankingSettings  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
# The ranking settings `--sweep` tries, each around the shipped value.
SWEEP: dict[str, tuple[float, ...]] = {
    "keyword_weight": (0.2, 0.3, 0.4, 0.5, 0.6, 0.8),
    "passage_weight": (0.0, 0.1, 0.2, 0.5),
    "sentence_keyword_weight": (0.0, 0.3, 0.75, 1.0),
    "rerank_depth": (5, 20, 50),
}
RESULTS = ROOT / "bench" / "results"


def load_beir(data: Path, split: str) -> tuple[dict[str, str], dict[str, set[str]], dict[str, str]]:
    """Questions by id, the relevant document ids of each, and each question's type (`qtype`, or "?")."""
    queries, qtypes = {}, {}
    for line in (data / f"queries-{split}.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        queries[record["_id"]] = record["text"]
        qtypes[record["_id"]] = record.get("qtype", "?")
    qrels: dict[str, set[str]] = {}
    for line in (data / f"qrels-{split}.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query_id, doc_id, score = line.split("\t")
        if int(score) > 0:
            qrels.setdefault(query_id, set()).add(doc_id)
    return {q: t for q, t in queries.items() if q in qrels}, qrels, qtypes


def ensure_index(data: Path, settings: IndexSettings, titles: bool = True) -> Path:
    """An index of the folder's corpus.jsonl, rebuilt only when missing or stale; `titles=False` drops every title."""
    name = data.resolve().name + ("" if titles else "-notitles")
    if settings.chunk_tokens != IndexSettings().chunk_tokens:
        name += f"-chunk{settings.chunk_tokens}"
    if settings.overlap_sentences != IndexSettings().overlap_sentences:
        name += f"-overlap{settings.overlap_sentences}"
    if settings.encoder != IndexSettings().encoder:
        name += f"-{settings.encoder}"
    corpus = CACHE / name / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / "corpus.jsonl"
    source = data / "corpus.jsonl"
    if not titles:
        if not target.exists():
            lines = source.read_text(encoding="utf-8").splitlines()
            records = ({k: v for k, v in json.loads(line).items() if k != "title"} for line in lines)
            target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    elif not target.exists() or target.stat().st_size != source.stat().st_size:
        shutil.copyfile(source, target)
    index = CACHE / name / "index"
    summary = build_index(corpus, index, settings, progress=True)
    print("\n".join(summary.lines()))
    return index


def document_ranking(hits: list) -> list[str]:
    """Document ids in rank order; a merged hit stands for every id it cites."""
    ranking: list[str] = []
    for hit in hits:
        for citation in hit.citations:
            if citation.doc_id is not None and citation.doc_id not in ranking:
                ranking.append(citation.doc_id)
    return ranking


def ndcg_at_10(ranking: list[str], relevant: set[str]) -> float:
    """nDCG@10 of one ranking with binary relevance."""
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranking[:10]) if doc in relevant)
    return dcg / sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))


def robustness(
    rankings: dict[str, dict[str, list[str]]],
    qrels: dict[str, set[str]],
    groups: dict[str, dict[str, str]],
    resamples: int = 2000,
) -> dict[str, object]:
    """Is the shipped ranking's gain real? Paired bootstrap intervals, and nDCG@10 by group of questions.

    The settings were tuned on this split, so this is no held-out test; it shows whether the gain
    is spread over many questions, sources and question types or rests on a few. `groups` maps a
    grouping name to each question's group (e.g. its source).
    """
    import numpy as np

    ids = sorted(rankings["hybrid"])
    ndcg = {mode: np.array([ndcg_at_10(by_query[q], qrels[q]) for q in ids]) for mode, by_query in rankings.items()}
    rng = np.random.default_rng(0)
    draws = rng.integers(0, len(ids), size=(resamples, len(ids)))
    out: dict[str, object] = {}
    for baseline in ("dense", "keyword"):
        gain = ndcg["hybrid"] - ndcg[baseline]
        means = gain[draws].mean(axis=1)
        out[f"gain_over_{baseline}"] = {
            "mean": round(float(gain.mean()), 4),
            "ci95": [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)],
            "better": int((gain > 1e-9).sum()),
            "worse": int((gain < -1e-9).sum()),
            "tied": int((abs(gain) <= 1e-9).sum()),
        }
    for grouping, group_of in groups.items():
        labels = np.array([group_of.get(q, "?") for q in ids])
        out[f"by_{grouping}"] = {
            label: {"questions": int((labels == label).sum())}
            | {mode: round(float(values[labels == label].mean()), 4) for mode, values in ndcg.items()}
            for label in sorted(set(labels))
        }
    return out


def metrics(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """Mean nDCG@10, MRR@10, Recall@10 and Recall@100 with binary relevance."""
    totals = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
    for query_id, ranking in rankings.items():
        relevant = qrels[query_id]
        totals["ndcg@10"] += ndcg_at_10(ranking, relevant)
        totals["mrr@10"] += next((1 / (i + 1) for i, doc in enumerate(ranking[:10]) if doc in relevant), 0.0)
        totals["recall@10"] += len(relevant & set(ranking[:10])) / len(relevant)
        totals["recall@100"] += len(relevant & set(ranking[:100])) / len(relevant)
    return {name: round(value / len(rankings), 4) for name, value in totals.items()}


def evaluate(
    searcher: Searcher,
    queries: dict[str, str],
    qrels: dict[str, set[str]],
    mode: str,
    ranking: RankingSettings | None = None,
) -> tuple[dict[str, float], float, dict[str, list[str]]]:
    """Metrics for one ranking mode (`ranking`: other ranking settings), the share of questions whose top hit
    is confident, and the rankings."""
    rankings, confident = {}, 0
    for query_id, text in queries.items():
        hits = searcher.search(text, k=100, mode=mode, highlight=False, ranking=ranking)
        rankings[query_id] = document_ranking(hits)
        confident += bool(hits and hits[0].confident)
    return metrics(rankings, qrels), round(confident / len(queries), 4), rankings


def seed_report(settings: IndexSettings) -> dict[str, object]:
    """The seed questions (expected passage first? answering sentence marked?) and off-topic ones (never confident)."""
    index = CACHE / "seeds" / "index"
    print("\n".join(build_index(ROOT / "corpus", index, settings).lines()))
    searcher = Searcher.load(index)
    cases = [json.loads(line) for line in (ROOT / "bench" / "seed_questions.jsonl").read_text().splitlines()]
    first = confident = highlighted = 0
    misses, highlight_misses = [], []
    for case in cases:
        hits = searcher.search(case["question"], k=5)
        places = [(c.source, c.line) for c in hits[0].citations] if hits else []
        first += (case["source"], case["line"]) in places
        confident += any(h.confident for h in hits)
        if (case["source"], case["line"]) not in places:
            misses.append(case["question"])
        # The expected passage's hit marks one of the sentences written down as answering the question.
        expected = [h for h in hits if (case["source"], case["line"]) in [(c.source, c.line) for c in h.citations]]
        marked = expected[0].text[slice(*expected[0].highlight)] if expected and expected[0].highlight else ""
        if any(answer in marked for answer in case["answers"]):
            highlighted += 1
        else:
            highlight_misses.append(case["question"])
    offtopic = [q for q in (ROOT / "bench" / "offtopic_questions.txt").read_text().splitlines() if q.strip()]
    offtopic_confident = [q for q in offtopic if any(h.confident for h in searcher.search(q, k=5))]
    return {
        "seed_questions": len(cases),
        "expected_passage_first": first,
        "seed_confident": confident,
        "seed_misses": misses,
        "answer_sentence_highlighted": highlighted,
        "highlight_misses": highlight_misses,
        "offtopic_questions": len(offtopic),
        "offtopic_confident": len(offtopic_confident),
        "offtopic_confident_questions": offtopic_confident,
    }


def dedup_report(data: Path, searcher: Searcher) -> dict[str, object]:
    """Groups merged, and proof that every corpus `_id` is still cited by a stored passage."""
    corpus_ids = {json.loads(line)["_id"] for line in (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines()}
    cited = {c.doc_id for p in searcher.index.passages for c in p.citations}
    counts = searcher.manifest.counts
    return {
        "records": len(corpus_ids),
        "passages_stored": counts.passages,
        "duplicates_merged": counts.duplicates_merged,
        "exact_groups": counts.exact_groups,
        "near_groups": counts.near_groups,
        "ids_cited": len(cited & corpus_ids),
        "every_id_cited": corpus_ids <= cited,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "medquad")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=0, help="evaluate only the first N questions")
    parser.add_argument("--sweep", action="store_true", help="also try other values of each ranking weight")
    parser.add_argument("--chunk-tokens", type=int, default=IndexSettings().chunk_tokens, help="try another chunk size")
    parser.add_argument(
        "--overlap", type=int, default=IndexSettings().overlap_sentences, help="try another chunk overlap"
    )
    parser.add_argument("--encoder", choices=ENCODERS, default=IndexSettings().encoder, help="compare another encoder")
    parser.add_argument("--no-titles", action="store_true", help="drop the records' titles (an ablation)")
    parser.add_argument("--no-seeds", action="store_true", help="skip the seed and off-topic questions")
    parser.add_argument("--out", type=Path, default=RESULTS / f"quality-{date.today().isoformat()}.json")
    args = parser.parse_args()
    settings = replace(
        IndexSettings(), chunk_tokens=args.chunk_tokens, overlap_sentences=args.overlap, encoder=args.encoder
    )
    queries, qrels, qtypes = load_beir(args.data, args.split)
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    searcher = Searcher.load(ensure_index(args.data, settings, titles=not args.no_titles))
    results: dict[str, object] = {
        "data": str(args.data),
        "split": args.split,
        "questions": len(queries),
        "settings": settings.to_json(),
        "ranking": vars(searcher.ranking),
    }
    results["dedup"] = dedup_report(args.data, searcher)
    print("duplicates:", json.dumps(results["dedup"]))
    print(f"\n{len(queries)} questions, {args.data.name} {args.split}")
    print(f"{'ranking':<22} {'nDCG@10':>8} {'MRR@10':>8} {'R@10':>8} {'R@100':>8} {'confident':>10} {'seconds':>8}")
    rankings = {}
    for mode in ("keyword", "dense", "hybrid"):
        started = time.perf_counter()
        scores, confident, rankings[mode] = evaluate(searcher, queries, qrels, mode)
        seconds = time.perf_counter() - started
        results[mode] = {**scores, "confident_share": confident, "seconds": round(seconds, 1)}
        name = {"keyword": "BM25 only", "dense": "dense only", "hybrid": "shipped (hybrid)"}[mode]
        print(
            f"{name:<22} {scores['ndcg@10']:>8} {scores['mrr@10']:>8} {scores['recall@10']:>8} {scores['recall@100']:>8} {confident:>10} {seconds:>8.1f}"
        )
    groups = {
        "source": {query_id: query_id.split("_")[0] for query_id in qtypes},  # MedQuAD ids are SOURCE_DOCID_SecN
        "qtype": qtypes,
    }
    results["robustness"] = robustness(rankings, qrels, groups)
    for baseline in ("dense", "keyword"):
        gain = results["robustness"][f"gain_over_{baseline}"]
        print(
            f"shipped - {baseline}: nDCG@10 {gain['mean']:+.4f} (95 % bootstrap interval {gain['ci95'][0]:+.4f} to "
            f"{gain['ci95'][1]:+.4f}); better on {gain['better']}, worse on {gain['worse']}, tied on {gain['tied']} questions"
        )
    for grouping in groups:
        print(f"nDCG@10 by {grouping}:")
        for label, row in results["robustness"][f"by_{grouping}"].items():
            print(
                f"  {label:<28} {row['questions']:>5}  BM25 {row['keyword']:.3f}  dense {row['dense']:.3f}  shipped {row['hybrid']:.3f}"
            )
    if args.sweep:
        sweep: dict[str, dict[str, object]] = {}
        # One ranking setting at a time, the others as shipped.
        for name, values in SWEEP.items():
            for value in values:
                ranking = replace(searcher.ranking, **{name: value})
                scores, _, _ = evaluate(searcher, queries, qrels, "hybrid", ranking)
                sweep.setdefault(name, {})[str(value)] = scores
                print(f"{name} {value:<5} {scores}")
        results["sweep"] = sweep
    if args.no_seeds:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=1))
        return
    results["seeds"] = seed_report(settings)
    seeds = results["seeds"]
    print(
        f"\nseed corpus: expected passage first for {seeds['expected_passage_first']}/{seeds['seed_questions']}, "
        f"confident {seeds['seed_confident']}/{seeds['seed_questions']}, answering sentence highlighted "
        f"{seeds['answer_sentence_highlighted']}/{seeds['seed_questions']}; off-topic confident {seeds['offtopic_confident']}/{seeds['offtopic_questions']}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
