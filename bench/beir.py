"""The development sets and how a ranking is scored on them (BEIR layout, document-level relevance).

Each set is a folder with queries and qrels, and a corpus.jsonl in it or named by its source.json
(`corpus`, relative to the folder). MedQuAD dev's folder uses `queries-dev.jsonl` / `qrels-dev.tsv`;
the sets under bench/devsets/ use BEIR's `queries.jsonl` / `qrels/dev.tsv`. None of these is
held-out material (see the developers' guide); their provenance is in each folder's README.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DevSet:
    """A development set: its questions, their relevant document ids, and the corpus they are asked of."""

    name: str
    folder: Path
    kind: str  # what the questions are like, for the table
    # Sets of one domain answer each other's questions (two Debian manuals); a set's off-topic
    # questions come from the other domains only.
    domain: str = "medical"

    def corpus(self) -> Path:
        """The corpus.jsonl the questions are asked of, or the folder of files (`"corpus": "corpus"`)."""
        source = self.folder / "source.json"
        if source.exists():
            named = json.loads(source.read_text(encoding="utf-8")).get("corpus", "corpus.jsonl")
            return (self.folder / named).resolve()
        return self.folder / "corpus.jsonl"

    def load(self, split: str = "dev") -> tuple[dict[str, str], dict[str, set[str]], dict[str, str]]:
        """Questions by id, the relevant document ids of each, and each question's type or style."""
        queries_file = self.folder / f"queries-{split}.jsonl"
        if not queries_file.exists():
            queries_file = self.folder / "queries.jsonl"
        qrels_file = self.folder / f"qrels-{split}.tsv"
        if not qrels_file.exists():
            qrels_file = self.folder / "qrels" / f"{split}.tsv"
        queries, kinds = {}, {}
        for line in queries_file.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            queries[record["_id"]] = record["text"]
            kinds[record["_id"]] = record.get("qtype") or record.get("metadata", {}).get("style", "?")
        qrels: dict[str, set[str]] = {}
        for line in qrels_file.read_text(encoding="utf-8").splitlines()[1:]:
            query_id, doc_id, score = line.split("\t")
            if int(score) > 0:
                qrels.setdefault(query_id, set()).add(doc_id)
        return {q: t for q, t in queries.items() if q in qrels}, qrels, kinds


DEV_SETS: tuple[DevSet, ...] = (
    DevSet("medquad", ROOT.parent / "shared" / "bench" / "medquad", "short templated medical questions"),
    DevSet("medquad-long", ROOT / "bench" / "devsets" / "medquad-long", "long informal consumer questions"),
    DevSet(
        "debian-reference",
        ROOT / "bench" / "devsets" / "debian-reference",
        "technical manual, short and long",
        "debian",
    ),
    DevSet(
        "debian-handbook",
        ROOT / "bench" / "devsets" / "debian-handbook",
        "technical handbook, short and long",
        "debian",
    ),
    # Issue #27: questions written from section titles in a newcomer's words, over files as askdocs reads them.
    DevSet("bash-manual", ROOT / "bench" / "devsets" / "bash-manual", "PDF manual, questions from titles", "debian"),
    DevSet("maint-guide", ROOT / "bench" / "devsets" / "maint-guide", "HTML guide, questions from titles", "debian"),
    DevSet(
        "developers-reference",
        ROOT / "bench" / "devsets" / "developers-reference",
        "Sphinx HTML reference, questions from titles",
        "debian",
    ),
)


def document_id(citation: object) -> str | None:
    """The document a citation stands for: a record's `_id`; in a corpus of files, a PDF page
    (`FILE#pN`) or an HTML section (`FILE#ANCHOR`)."""
    doc_id, source = getattr(citation, "doc_id", None), getattr(citation, "source", "")
    if doc_id is not None:
        return doc_id
    if getattr(citation, "page", None) is not None:
        return f"{source}#p{citation.page}"  # type: ignore[attr-defined]
    if getattr(citation, "anchor", None):
        return f"{source}#{citation.anchor}"  # type: ignore[attr-defined]
    return None


def document_ranking(hits: list) -> list[str]:
    """Document ids in rank order; a merged hit stands for every id it cites."""
    ranking: list[str] = []
    for hit in hits:
        for citation in hit.citations:
            doc = document_id(citation)
            if doc is not None and doc not in ranking:
                ranking.append(doc)
    return ranking


def ndcg_at_10(ranking: list[str], relevant: set[str]) -> float:
    """nDCG@10 of one ranking with binary relevance."""
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranking[:10]) if doc in relevant)
    return dcg / sum(1 / math.log2(i + 2) for i in range(min(len(relevant), 10)))


def mrr_at_10(ranking: list[str], relevant: set[str]) -> float:
    """Reciprocal rank of the first relevant document in the first 10, else 0."""
    return next((1 / (i + 1) for i, doc in enumerate(ranking[:10]) if doc in relevant), 0.0)


def metrics(rankings: dict[str, list[str]], qrels: dict[str, set[str]]) -> dict[str, float]:
    """Mean nDCG@10, MRR@10, Recall@10 and Recall@100 with binary relevance."""
    totals = {"ndcg@10": 0.0, "mrr@10": 0.0, "recall@10": 0.0, "recall@100": 0.0}
    for query_id, ranking in rankings.items():
        relevant = qrels[query_id]
        totals["ndcg@10"] += ndcg_at_10(ranking, relevant)
        totals["mrr@10"] += mrr_at_10(ranking, relevant)
        totals["recall@10"] += len(relevant & set(ranking[:10])) / len(relevant)
        totals["recall@100"] += len(relevant & set(ranking[:100])) / len(relevant)
    return {name: round(value / len(rankings), 4) for name, value in totals.items()}


def per_question_ndcg(rankings: dict[str, list[str]], qrels: dict[str, set[str]], ids: list[str]) -> np.ndarray:
    """nDCG@10 of each question in `ids`, in that order."""
    return np.array([ndcg_at_10(rankings[q], qrels[q]) for q in ids])


def paired_interval(gain: np.ndarray, resamples: int = 2000, seed: int = 0) -> dict[str, object]:
    """Mean per-question gain with a 95 % paired-bootstrap interval, and how many questions got better or worse."""
    rng = np.random.default_rng(seed)
    means = gain[rng.integers(0, len(gain), size=(resamples, len(gain)))].mean(axis=1)
    return {
        "mean": round(float(gain.mean()), 4),
        "ci95": [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)],
        "better": int((gain > 1e-9).sum()),
        "worse": int((gain < -1e-9).sum()),
        "tied": int((abs(gain) <= 1e-9).sum()),
    }
