"""Retrieval quality on every development set, plus the seed-corpus questions and off-topic questions.

    python bench/quality.py [--sets medquad,medquad-long,debian-reference] [--data FOLDER] [--limit N]
                            [--sweep] [--chunk-tokens N] [--overlap N] [--encoder fp32] [--no-titles]

For each set (bench/beir.py: MedQuAD dev, long informal questions, a technical manual) it builds or
reuses an index of the set's corpus under bench/.cache/, then prints nDCG@10 and MRR@10 at the
document level (a hit counts for every `_id` it cites) for BM25 only, dense only and the shipped
hybrid ranking, with the shipped ranking's gain over each baseline and its 95 % paired-bootstrap
interval, in one table. Results go to bench/results/quality-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from beir import DEV_SETS, DevSet, document_ranking, metrics, paired_interval, per_question_ndcg  # noqa: E402

from askdocs import Searcher  # noqa: E402
from askdocs.ingest.pipeline import build_index  # noqa: E402
from askdocs.search.query import parse_query  # noqa: E402
from askdocs.settings import ENCODERS, IndexSettings, RankingSettings  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
# The ranking settings `--sweep` tries, each around the shipped value.
SWEEP: dict[str, tuple[float, ...]] = {
    "keyword_weight": (0.2, 0.3, 0.4, 0.5, 0.6, 0.8),
    "passage_weight": (0.0, 0.1, 0.2, 0.5),
    "sentence_keyword_weight": (0.0, 0.3, 0.75, 1.0),
    "rerank_depth": (5, 20, 50),
    "agreement_floor": (0.0, 0.25, 0.5, 0.75),
}
RESULTS = ROOT / "bench" / "results"


def ensure_index(name: str, source: Path, settings: IndexSettings, titles: bool = True) -> Path:
    """An index of a corpus.jsonl (or a folder of files) under bench/.cache/NAME, rebuilt only when
    missing or stale; `titles=False` drops every title."""
    name += "" if titles else "-notitles"
    if settings.chunk_tokens != IndexSettings().chunk_tokens:
        name += f"-chunk{settings.chunk_tokens}"
    if settings.overlap_sentences != IndexSettings().overlap_sentences:
        name += f"-overlap{settings.overlap_sentences}"
    if settings.encoder != IndexSettings().encoder:
        name += f"-{settings.encoder}"
    if source.is_dir():  # a folder of files (PDF, HTML), read as askdocs reads a library
        index = CACHE / name / "index"
        summary = build_index(source, index, settings, progress=True)
        print("\n".join(summary.lines()))
        return index
    corpus = CACHE / name / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    target = corpus / "corpus.jsonl"
    if not titles:
        if not target.exists():
            lines = source.read_text(encoding="utf-8").splitlines()
            records = ({k: v for k, v in json.loads(line).items() if k != "title"} for line in lines)
            target.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    elif not target.exists() or target.read_bytes() != source.read_bytes():
        shutil.copyfile(source, target)
    index = CACHE / name / "index"
    summary = build_index(corpus, index, settings, progress=True)
    print("\n".join(summary.lines()))
    return index


def index_name(devset: DevSet) -> str:
    """Sets asking questions of the same corpus share its index (MedQuAD's corpus is read from ../shared)."""
    corpus = devset.corpus()
    return corpus.parent.name if corpus.parent != devset.folder else devset.name


def robustness(
    rankings: dict[str, dict[str, list[str]]], qrels: dict[str, set[str]], groups: dict[str, dict[str, str]]
) -> dict[str, object]:
    """Is the shipped ranking's gain real? Paired bootstrap intervals, and nDCG@10 by group of questions."""
    import numpy as np

    ids = sorted(rankings["hybrid"])
    ndcg = {mode: per_question_ndcg(by_query, qrels, ids) for mode, by_query in rankings.items()}
    out: dict[str, object] = {
        f"gain_over_{baseline}": paired_interval(ndcg["hybrid"] - ndcg[baseline]) for baseline in ("dense", "keyword")
    }
    for grouping, group_of in groups.items():
        labels = np.array([group_of.get(q, "?") for q in ids])
        out[f"by_{grouping}"] = {
            label: {"questions": int((labels == label).sum())}
            | {mode: round(float(values[labels == label].mean()), 4) for mode, values in ndcg.items()}
            for label in sorted(set(labels))
        }
    return out


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


def operator_report(
    searcher: Searcher, queries: dict[str, str], qrels: dict[str, set[str]], rankings: dict[str, dict[str, list[str]]]
) -> dict[str, object]:
    """The figures of the questions without operators (which search as before #31), and of those a
    person wrote with quotes or exclusions: as typed, and with their quotes removed."""
    typed = [q for q, text in queries.items() if parse_query(text).has_operators]
    plain = [q for q in queries if q not in typed]
    report: dict[str, object] = {
        "without": {
            "questions": len(plain),
            **{m: metrics({q: r[q] for q in plain}, qrels) for m, r in rankings.items()},
        },
        "with": {"questions": len(typed), "examples": [queries[q] for q in typed[:5]]},
    }
    if typed:
        as_typed = metrics({q: rankings["hybrid"][q] for q in typed}, qrels)
        unquoted = {q: queries[q].replace('"', " ") for q in typed}
        report["with"] = {
            **report["with"],
            "hybrid_as_typed": as_typed,
            "hybrid_quotes_removed": evaluate(searcher, unquoted, qrels, "hybrid")[0],
        }  # type: ignore[dict-item]
    return report


def seed_report(settings: IndexSettings) -> dict[str, object]:
    """The seed questions (expected passage first? answering sentence marked?) and off-topic ones (never confident)."""
    index = CACHE / "seeds" / "index"
    print("\n".join(build_index(ROOT / "corpus", index, settings).lines()))
    searcher = Searcher.load(index)
    cases = [json.loads(line) for line in (ROOT / "bench" / "seed_questions.jsonl").read_text().splitlines()]
    first = top5 = confident = highlighted = 0
    misses, highlight_misses = [], []
    for case in cases:
        hits = searcher.search(case["question"], k=5)
        places = [(c.source, c.line) for c in hits[0].citations] if hits else []
        first += (case["source"], case["line"]) in places
        top5 += any((case["source"], case["line"]) in [(c.source, c.line) for c in h.citations] for h in hits)
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
        "expected_passage_top5": top5,
        "seed_confident": confident,
        "seed_misses": misses,
        "answer_sentence_highlighted": highlighted,
        "highlight_misses": highlight_misses,
        "offtopic_questions": len(offtopic),
        "offtopic_confident": len(offtopic_confident),
        "offtopic_confident_questions": offtopic_confident,
    }


def dedup_report(corpus_file: Path, searcher: Searcher) -> dict[str, object]:
    """Groups merged, and proof that every corpus `_id` is still cited by a stored passage."""
    counts = searcher.manifest.counts
    if corpus_file.is_dir():
        return {
            "files": counts.files,
            "passages_stored": counts.passages,
            "duplicates_merged": counts.duplicates_merged,
        }
    corpus_ids = {json.loads(line)["_id"] for line in corpus_file.read_text(encoding="utf-8").splitlines()}
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


MODE_NAMES = {"keyword": "BM25 only", "dense": "dense only", "hybrid": "shipped (hybrid)"}


def run_set(
    devset: DevSet, settings: IndexSettings, args: argparse.Namespace, offtopic: dict[str, list[str]]
) -> dict[str, object]:
    """Every mode on one set: metrics, the shipped ranking's gains with intervals, groups, and off-topic questions."""
    queries, qrels, kinds = devset.load(args.split)
    if args.limit:
        queries = dict(list(queries.items())[: args.limit])
    corpus_file = devset.corpus()
    searcher = Searcher.load(ensure_index(index_name(devset), corpus_file, settings, titles=not args.no_titles))
    result: dict[str, object] = {"folder": str(devset.folder), "kind": devset.kind, "questions": len(queries)}
    result["dedup"] = dedup_report(corpus_file, searcher)
    rankings = {}
    for mode in ("keyword", "dense", "hybrid"):
        started = time.perf_counter()
        scores, confident, rankings[mode] = evaluate(searcher, queries, qrels, mode)
        result[mode] = {**scores, "confident_share": confident, "seconds": round(time.perf_counter() - started, 1)}
    result["operators"] = operator_report(searcher, queries, qrels, rankings)
    groups = {"kind": kinds}
    if devset.name == "medquad":
        groups["source"] = {q: q.split("_")[0] for q in kinds}  # MedQuAD ids are SOURCE_DOCID_SecN
    result["robustness"] = robustness(rankings, qrels, groups)
    # Questions of the other domains' sets, asked of this corpus, have no answer here: none should be confident.
    others = [q for domain, texts in offtopic.items() if domain != devset.domain for q in texts]
    flagged = [q for q in others if not any(h.confident for h in searcher.search(q, k=5, highlight=False))]
    result["offtopic"] = {"questions": len(others), "confident": len(others) - len(flagged)}
    if args.sweep:
        sweep: dict[str, dict[str, object]] = {}
        # One ranking setting at a time, the others as shipped.
        for name, values in SWEEP.items():
            if args.sweep_only and name not in args.sweep_only.split(","):
                continue
            for value in values:
                ranking = replace(searcher.ranking, **{name: value})
                sweep.setdefault(name, {})[str(value)] = evaluate(searcher, queries, qrels, "hybrid", ranking)[0]
                print(f"{devset.name} {name} {value:<5} {sweep[name][str(value)]}")
        result["sweep"] = sweep
    return result


def print_table(results: dict[str, dict[str, object]]) -> None:
    """One row per set and mode: nDCG@10, MRR@10, confident share; the shipped ranking's gains with intervals."""
    print(f"\n{'set':<18} {'questions':>9} {'ranking':<18} {'nDCG@10':>8} {'MRR@10':>7} {'confident':>9}")
    for name, result in results.items():
        for mode in ("keyword", "dense", "hybrid"):
            row = result[mode]
            print(
                f"{name:<18} {result['questions']:>9} {MODE_NAMES[mode]:<18} {row['ndcg@10']:>8.4f} "
                f"{row['mrr@10']:>7.4f} {row['confident_share']:>9.3f}"
            )
        for baseline in ("dense", "keyword"):
            gain = result["robustness"][f"gain_over_{baseline}"]
            print(
                f"{'':<18} {'':>9} shipped - {baseline:<8} {gain['mean']:>+8.4f} [{gain['ci95'][0]:+.4f}, "
                f"{gain['ci95'][1]:+.4f}] better {gain['better']}, worse {gain['worse']}"
            )
        off = result["offtopic"]
        print(f"{'':<18} {'':>9} off-topic confident: {off['confident']}/{off['questions']} (other domains' questions)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(d.name for d in DEV_SETS), help="comma-separated dev set names")
    parser.add_argument("--data", type=Path, help="another BEIR folder instead of the dev sets")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--limit", type=int, default=0, help="evaluate only the first N questions of each set")
    parser.add_argument("--sweep-only", default="", help="with --sweep: only these settings (comma-separated)")
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
    chosen = [d for d in DEV_SETS if d.name in args.sets.split(",")]
    if args.data:
        chosen = [DevSet(args.data.name, args.data, "given folder")]
    # A sample of each corpus's questions serves as the others' off-topic questions.
    offtopic: dict[str, list[str]] = {}
    for devset in DEV_SETS:
        if devset.folder.exists():
            offtopic.setdefault(devset.domain, []).extend(list(devset.load(args.split)[0].values())[:20])
    results: dict[str, object] = {"settings": settings.to_json(), "ranking": vars(RankingSettings()), "sets": {}}
    for devset in chosen:
        print(f"\n== {devset.name}: {devset.kind}")
        results["sets"][devset.name] = run_set(devset, settings, args, offtopic)
    print_table(results["sets"])
    if not args.no_seeds:
        results["seeds"] = seeds = seed_report(settings)
        print(
            f"\nseed corpus: expected passage first for {seeds['expected_passage_first']}/{seeds['seed_questions']}, "
            f"in the top 5 for {seeds['expected_passage_top5']}/{seeds['seed_questions']}, "
            f"confident {seeds['seed_confident']}/{seeds['seed_questions']}, answering sentence highlighted "
            f"{seeds['answer_sentence_highlighted']}/{seeds['seed_questions']}; "
            f"off-topic confident {seeds['offtopic_confident']}/{seeds['offtopic_questions']}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
