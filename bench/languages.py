"""Retrieval in other languages: the multilingual encoder against the English one, per language, in one run.

    python bench/languages.py [--languages de,fr,es,ja] [--limit N]

For each translation of the Debian Reference (bench/devsets/debian-reference-LANG, the same sections
and anchors as the English book) it builds two indexes of the corpus, one per model
(multilingual-e5-small, which "auto" picks for these libraries, and all-MiniLM-L6-v2, what askdocs
used before), times them, and asks three sets of questions (bench/devsets/translated-questions):
the 42 questions written in the corpus's language, the same 42 in English (cross-language), and for
French the German ones. It prints nDCG@10 and MRR@10 for the hybrid ranking, dense only and BM25 only
(and, as ablations, BM25 by the English rules every language was read by before and the hybrid
without the model's cosine spread, on the same chunks),
the multilingual model's gain over the English one with a 95 % paired-bootstrap interval, and
how the "confident" flag splits on-topic questions from off-topic ones in five languages
(the threshold each model would need, chosen here, is what settings.CONFIDENCE_THRESHOLDS holds).
Results go to bench/results/languages-DATE.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from beir import document_ranking, metrics, paired_interval, per_question_ndcg  # noqa: E402

from askdocs import Searcher  # noqa: E402
from askdocs.index import keyword_analysis  # noqa: E402
from askdocs.index.bm25 import KeywordIndex, build_keyword_index  # noqa: E402
from askdocs.index.keyword_analysis import KeywordAnalysis  # noqa: E402
from askdocs.ingest.chunking import embed_text  # noqa: E402
from askdocs.ingest.pipeline import build_index  # noqa: E402
from askdocs.settings import DEFAULT_MODEL, MULTILINGUAL_MODEL, IndexSettings  # noqa: E402

DEVSETS = ROOT / "bench" / "devsets"
QUESTIONS = DEVSETS / "translated-questions"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
MODELS = {"e5": MULTILINGUAL_MODEL, "minilm": DEFAULT_MODEL}


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a tab-separated file with a header."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def questions(language: str) -> dict[str, dict[str, str]]:
    """Question sets by the language they are asked in: {question language: {id: text}}."""
    rows = read_tsv(QUESTIONS / "questions.tsv")
    english = {
        json.loads(line)["_id"]: json.loads(line)["text"]
        for line in (DEVSETS / "debian-reference" / "queries.jsonl").open()
    }
    asked = {language: {r["id"]: r[language] for r in rows}, "en": {r["id"]: english[r["id"]] for r in rows}}
    if language == "fr":
        asked["de"] = {r["id"]: r["de"] for r in rows}
    return asked


def qrels(language: str) -> dict[str, set[str]]:
    """The English set's relevant sections, renamed to the translation's files (same anchors)."""
    out: dict[str, set[str]] = {}
    for line in (DEVSETS / "debian-reference" / "qrels" / "dev.tsv").read_text().splitlines()[1:]:
        query, doc, _ = line.split("\t")
        out.setdefault(query, set()).add(doc.replace(".en.html#", f".{language}.html#"))
    return out


def build(language: str, model: str) -> tuple[Path, dict[str, float]]:
    """A fresh index of the translation's corpus with `model`, and its build time and chunk rate."""
    corpus = CACHE / f"lang-{language}" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DEVSETS / f"debian-reference-{language}" / "corpus.jsonl", corpus / "corpus.jsonl")
    index = CACHE / f"lang-{language}" / f"index-{model}"
    shutil.rmtree(index, ignore_errors=True)
    started = time.perf_counter()
    summary = build_index(corpus, index, IndexSettings(model=model))
    seconds = time.perf_counter() - started
    chunks = summary.counts.chunks if summary.counts else 0
    return index, {"build_s": round(seconds, 1), "chunks": chunks, "chunks_per_s": round(chunks / seconds, 1)}


def ask(searcher: Searcher, asked: dict[str, str], mode: str) -> tuple[dict[str, list[str]], list[float], list[float]]:
    """Rankings, each question's top similarity, and each question's latency in ms."""
    rankings, tops, latency = {}, [], []
    for query_id, text in asked.items():
        started = time.perf_counter()
        hits = searcher.search(text, k=100, mode=mode, highlight=False)
        latency.append((time.perf_counter() - started) * 1000)
        rankings[query_id] = document_ranking(hits)
        tops.append(float(hits[0].similarity) if hits and hits[0].similarity is not None else 0.0)
    return rankings, tops, latency


@contextmanager
def english_rules(searcher: Searcher) -> Iterator[None]:
    """The searcher's keyword index rebuilt from the same chunk texts by the English rules, for the block."""
    index = searcher.index
    texts = [
        embed_text(index.passages[c.passage_id].title, index.passages[c.passage_id].text[c.span[0] : c.span[1]])
        for c in index.chunks
    ]
    own = index.keywords
    pairing, pattern = keyword_analysis.paired, keyword_analysis.TOKEN_PATTERN
    keyword_analysis.paired, keyword_analysis.TOKEN_PATTERN = (lambda text: text), r"(?u)\b\w\w+\b"
    with tempfile.TemporaryDirectory() as scratch:
        settings = IndexSettings()
        build_keyword_index(texts, Path(scratch), settings.bm25_k1, settings.bm25_b, KeywordAnalysis(("en",)))
        index.keywords = KeywordIndex(Path(scratch))
        try:
            yield
        finally:
            index.keywords = own
            keyword_analysis.paired, keyword_analysis.TOKEN_PATTERN = pairing, pattern


def offtopic_tops(searcher: Searcher) -> dict[str, list[float]]:
    """Top-hit similarity of the off-topic questions, by the language they are asked in."""
    rows = read_tsv(QUESTIONS / "offtopic.tsv")
    out = {}
    for language in ("en", "de", "fr", "es", "ja"):
        out[language] = [
            float((searcher.search(r[language], k=1, highlight=False) or [None])[0].similarity or 0) for r in rows
        ]
    return out


def best_threshold(on_topic: list[float], off_topic: list[float]) -> dict[str, float]:
    """The similarity threshold that best splits on-topic from off-topic (balanced accuracy), and its rates."""
    best = (0.0, 0.0)
    for threshold in np.arange(0.30, 0.95, 0.005):
        score = (np.mean(np.asarray(on_topic) >= threshold) + np.mean(np.asarray(off_topic) < threshold)) / 2
        if score > best[0] + 1e-12:
            best = (float(score), float(threshold))
    threshold = best[1]
    return {
        "threshold": round(threshold, 3),
        "balanced_accuracy": round(best[0], 4),
        "on_topic_confident": round(float(np.mean(np.asarray(on_topic) >= threshold)), 4),
        "off_topic_flagged": round(float(np.mean(np.asarray(off_topic) < threshold)), 4),
    }


def run_language(language: str, limit: int) -> dict[str, object]:
    """Every figure of one translation."""
    out: dict[str, object] = {}
    relevant = qrels(language)
    sets = {asked: dict(list(texts.items())[: limit or None]) for asked, texts in questions(language).items()}
    tops: dict[str, dict[str, list[float]]] = {}
    per_question: dict[str, np.ndarray] = {}
    for short, model in MODELS.items():
        index, built = build(language, model)
        searcher = Searcher.load(index)
        out[f"{short}_build"] = built | {"languages": searcher.manifest.languages, "model": searcher.manifest.model}
        for asked, texts in sets.items():
            ids = list(texts)
            for mode in ("hybrid", "dense", "keyword"):
                if mode == "keyword" and short != "e5":
                    continue  # the keyword index does not depend on the model
                rankings, top, latency = ask(searcher, texts, mode)
                name = f"{asked}_questions/{'bm25' if mode == 'keyword' else short + '_' + mode}"
                out[name] = metrics(rankings, relevant) | {"p50_ms": round(float(np.median(latency)), 1)}
                per_question[name] = per_question_ndcg(rankings, relevant, ids)
                if mode == "hybrid":
                    tops.setdefault(short, {}).setdefault("on", []).extend(top)
        if short == "e5":
            # The keyword weights against e5's cosines without the model's spread (as for MiniLM's).
            profile = searcher.index.profile
            searcher.index.profile = replace(profile, cosine_spread=1.0)
            for asked, texts in sets.items():
                rankings, _, latency = ask(searcher, texts, "hybrid")
                name = f"{asked}_questions/e5_hybrid_unscaled"
                out[name] = metrics(rankings, relevant) | {"p50_ms": round(float(np.median(latency)), 1)}
            searcher.index.profile = profile
            # BM25 as it read every language before #28: the English stemmer and stop words, no CJK pairs.
            with english_rules(searcher):
                for asked, texts in sets.items():
                    rankings, _, latency = ask(searcher, texts, "keyword")
                    name = f"{asked}_questions/bm25_english_rules"
                    out[name] = metrics(rankings, relevant) | {"p50_ms": round(float(np.median(latency)), 1)}
        tops[short]["off"] = [s for values in offtopic_tops(searcher).values() for s in values]
        out[f"{short}_offtopic_by_language"] = {
            k: round(float(np.median(v)), 3) for k, v in offtopic_tops(searcher).items()
        }
    for asked in sets:
        for mode in ("hybrid", "dense"):
            gain = per_question[f"{asked}_questions/e5_{mode}"] - per_question[f"{asked}_questions/minilm_{mode}"]
            out[f"{asked}_questions/e5_{mode}_gain_over_minilm"] = paired_interval(gain)
        gain = per_question[f"{asked}_questions/e5_hybrid"] - per_question[f"{asked}_questions/bm25"]
        out[f"{asked}_questions/e5_hybrid_gain_over_bm25"] = paired_interval(gain)
    out["similarities"] = {
        model: {k: [round(x, 4) for x in v] for k, v in split.items()} for model, split in tops.items()
    }
    return out


def main() -> None:
    """Run every language, print the table, write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default="de,fr,es,ja")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of each set")
    parser.add_argument("--out", type=Path, default=RESULTS / f"languages-{date.today().isoformat()}.json")
    args = parser.parse_args()
    results = {language: run_language(language, args.limit) for language in args.languages.split(",")}
    pooled = {
        short: best_threshold(
            [s for r in results.values() for s in r["similarities"][short]["on"]],  # type: ignore[index]
            [s for r in results.values() for s in r["similarities"][short]["off"]],  # type: ignore[index]
        )
        for short in MODELS
    }
    results["confidence_calibration"] = pooled  # type: ignore[assignment]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for language, figures in results.items():
        if language == "confidence_calibration":
            continue
        for name, value in figures.items():  # type: ignore[union-attr]
            if isinstance(value, dict) and "ndcg@10" in value:
                print(
                    f"{language:3} {name:32} nDCG@10 {value['ndcg@10']:.4f}  MRR@10 {value['mrr@10']:.4f}  p50 {value['p50_ms']} ms"
                )
            elif name.endswith("_build") or "gain" in name:
                print(f"{language:3} {name:32} {value}")
    print("confidence:", json.dumps(pooled))
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
