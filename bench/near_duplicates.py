"""Near-duplicate merging, the word rule against the shingle rule before it, on pairs and on MedQuAD.

    python bench/near_duplicates.py [--data ../shared/bench/medquad] [--index bench/.cache/medquad/index]
                                    [--sample 30] [--encoder int8] [--out bench/results/near-duplicates-DATE.json]

(a) bench/near_duplicate_pairs.jsonl: hand-written pairs, each labelled `should_merge`, by `kind`.
    Each pair is embedded (the real model, no title) and judged by both rules through the whole
    pipeline (LSH candidates, then the checks): merges, precision and recall, per kind.
(b) MedQuAD (corpus.jsonl, as the index recorded its corpus folder): the passages after exact merging, with the vectors the built index
    holds (the mean of each passage's chunk vectors, taken from the build's live and merged-away
    chunks, so nothing is embedded), merged by each rule: passages merged away, pairs merged by one
    rule only, the pairs the word rule found exhaustively that LSH missed, and samples to check by hand.
    Counts are also given for the four dev sources (NIDDK, NINDS, CDC, NHLBI) alone.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from askdocs.encoders import load_encoder  # noqa: E402
from askdocs.index.build_folder import BuildReader  # noqa: E402
from askdocs.ingest.chunking import chunk_with_planner  # noqa: E402
from askdocs.ingest.corpus import SkippedFile, list_corpus, read_file  # noqa: E402
from askdocs.ingest.embed import embed_chunks  # noqa: E402
from askdocs.ingest.exact_duplicates import merge_exact  # noqa: E402
from askdocs.ingest.near_duplicates import (  # noqa: E402
    NUM_PERM,
    SAME_WORDS_COSINE,
    NormalText,
    changed_words_allowed,
    connected_groups,
    critical_words,
    matched_words,
    minhash_scheme,
    minhash_signatures,
    near_duplicate_pairs,
    normal_words,
    shingles,
    words_match,
)
from askdocs.ingest.previous_build import load_previous  # noqa: E402
from askdocs.records import Passage  # noqa: E402
from askdocs.settings import DEFAULT_MODEL, IndexSettings  # noqa: E402
from askdocs.vectors import passage_vectors  # noqa: E402

PAIRS = ROOT / "bench" / "near_duplicate_pairs.jsonl"
RESULTS = ROOT / "bench" / "results"
DEV_SOURCES = {"NIDDK", "NINDS", "CDC", "NHLBI"}
# The rule before: word 3-shingle Jaccard over LSH candidates, confirmed by the cosine.
OLD_JACCARD, OLD_LSH, COSINE = 0.7, 0.5, 0.95
SIMILARITY = IndexSettings().near_duplicate_similarity


def old_rule_pairs(texts: Sequence[str], vectors: np.ndarray, signatures: np.ndarray) -> list[tuple[int, int]]:
    """The pairs the shingle rule merged (askdocs before the word rule, same LSH and order)."""
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(threshold=OLD_LSH, num_perm=NUM_PERM)
    sets: dict[int, set[bytes]] = {}
    pairs = []
    for i, row in enumerate(signatures):
        minhash = LeanMinHash(seed=1, hashvalues=row, scheme=minhash_scheme())
        candidates = sorted(lsh.query(minhash))
        if candidates:
            close = vectors[candidates] @ vectors[i] >= COSINE
            candidates = [j for j, keep in zip(candidates, close) if keep]
        for j in candidates:
            for k in (i, j):
                if k not in sets:
                    sets[k] = shingles(texts[k])
            if old_jaccard(sets[i], sets[j]) >= OLD_JACCARD:
                pairs.append((j, i))
        lsh.insert(i, minhash)
    return pairs


def old_jaccard(a: set[bytes], b: set[bytes]) -> float:
    """Jaccard similarity of two shingle sets."""
    return len(a & b) / len(a | b) if a or b else 1.0


def new_rule(a: str, b: str, cosine: float) -> bool:
    """The word rule on one pair, without LSH."""
    left, right = NormalText.of(a), NormalText.of(b)
    if left.words and left.words == right.words:
        return cosine >= SAME_WORDS_COSINE
    return cosine >= COSINE and words_match(left, right, SIMILARITY)


def describe(a: str, b: str) -> dict[str, Any]:
    """What the word rule sees in a pair: lengths, changed and added words, the differing critical words."""
    left, right = normal_words(a), normal_words(b)
    matched = matched_words(left, right)
    only_a, only_b = critical_words(left) - critical_words(right), critical_words(right) - critical_words(left)
    return {
        "words": [len(left), len(right)],
        "changed": min(len(left), len(right)) - matched,
        "added": abs(len(left) - len(right)),
        "similarity": round(2 * matched / max(1, len(left) + len(right)), 3),
        "critical_only_a": sorted(only_a.elements()),
        "critical_only_b": sorted(only_b.elements()),
        "jaccard": round(old_jaccard(shingles(a), shingles(b)), 3),
        "edits": edits(left, right),
    }


def edits(a: list[str], b: list[str], limit: int = 600) -> str:
    """The word edits from a to b, as "[old -> new]" runs."""
    runs = [
        f"[{' '.join(a[a1:a2])} -> {' '.join(b[b1:b2])}]"
        for op, a1, a2, b1, b2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if op != "equal"
    ]
    text = " ".join(runs)
    return text if len(text) <= limit else text[:limit] + " ..."


def scores(labels: Sequence[bool], merged: Sequence[bool]) -> dict[str, Any]:
    """Merges, precision and recall of merging against the labels."""
    hits = sum(a and b for a, b in zip(labels, merged))
    return {
        "merged": sum(merged),
        "true_merges": hits,
        "false_merges": sum(merged) - hits,
        "precision": round(hits / sum(merged), 3) if sum(merged) else None,
        "recall": round(hits / sum(labels), 3) if sum(labels) else None,
    }


def pairs_part(encoder_kind: str) -> dict[str, Any]:
    """(a): both rules on the constructed pairs."""
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    encoder = load_encoder(DEFAULT_MODEL, encoder_kind)
    vectors = encoder.encode([text for row in rows for text in (row["a"], row["b"])])
    old, new, rule_only, details = [], [], [], []
    for k, row in enumerate(rows):
        texts, pair_vectors = [row["a"], row["b"]], vectors[2 * k : 2 * k + 2]
        signatures = minhash_signatures(texts)
        cosine = float(pair_vectors[0] @ pair_vectors[1])
        old.append(bool(old_rule_pairs(texts, pair_vectors, signatures)))
        new.append(bool(near_duplicate_pairs(texts, SIMILARITY, pair_vectors, COSINE, signatures)))
        rule_only.append(new_rule(row["a"], row["b"], cosine))
        details.append(
            {
                "id": row["id"],
                "kind": row["kind"],
                "should_merge": row["should_merge"],
                "old": old[-1],
                "new": new[-1],
                "cosine": round(cosine, 4),
                **describe(row["a"], row["b"]),
            }
        )
    labels = [row["should_merge"] for row in rows]
    by_kind: dict[str, Any] = {}
    for kind in dict.fromkeys(row["kind"] for row in rows):
        members = [i for i, row in enumerate(rows) if row["kind"] == kind]
        by_kind[kind] = {
            "pairs": len(members),
            "should_merge": rows[members[0]]["should_merge"],
            "old_merged": sum(old[i] for i in members),
            "new_merged": sum(new[i] for i in members),
        }
    return {
        "pairs": len(rows),
        "encoder": encoder.kind,
        "old": scores(labels, old),
        "new": scores(labels, new),
        "new_missed_by_lsh": sum(r and not n for r, n in zip(rule_only, new)),
        "by_kind": by_kind,
        "pairs_detail": details,
    }


@dataclass(frozen=True)
class Corpus:
    """MedQuAD's passages after exact merging, each one's document id, and its vector from the built index."""

    passages: list[Passage]
    doc_ids: list[str]
    vectors: np.ndarray
    signatures: np.ndarray
    build_counts: dict[str, int]


def load_corpus(data: Path, index: Path) -> Corpus:
    """The passages as ingest makes them, with the index's stored chunk vectors (no embedding)."""
    build = BuildReader(index / (index / "CURRENT").read_text(encoding="utf-8").strip())
    manifest = build.manifest(index, verify=False)
    corpus_dir = Path(manifest.corpus_path) if manifest.corpus_path else data
    files, _ = list_corpus(corpus_dir)
    passages: list[Passage] = []
    for document in (read_file(f, IndexSettings().read_limits()) for f in files):
        if not isinstance(document, SkippedFile):
            passages.extend(document.passages)
    exact = merge_exact(passages).passages

    def unplanned(todo: list[Passage]) -> list[Any]:
        raise SystemExit(f"{len(todo)} passages have no chunk plan in {build.build}: rebuild the MedQuAD index")

    previous = load_previous(build, manifest, IndexSettings())
    chunks, _ = chunk_with_planner(exact, unplanned, known=previous.plans)
    question_encoder = manifest.question_encoder or {}
    name = f"{manifest.model} [{question_encoder['recipe']}]" if "recipe" in question_encoder else manifest.model

    def unembedded(texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        raise SystemExit(f"{len(texts)} chunks are not in {build.build}: rebuild the MedQuAD index")

    items, _, _ = embed_chunks(chunks, name, previous.embeddings, unembedded)
    chunk_vectors = np.stack([item.vector for item in items]).astype(np.float32)
    owners = np.asarray([chunk.passage_id for chunk in chunks], dtype=np.int64)
    vectors = passage_vectors(chunk_vectors, owners, len(exact))
    signatures = minhash_signatures([p.text for p in exact], previous.minhashes)
    counts = {"passages_read": manifest.counts.passages_read, "passages": manifest.counts.passages}
    counts["near_groups"] = manifest.counts.near_groups
    return Corpus(exact, [p.citations[0].doc_id or p.citations[0].source for p in exact], vectors, signatures, counts)


def merged_away(pairs: Iterable[tuple[int, int]], size: int) -> tuple[int, int]:
    """Passages merged away and groups formed by the pairs."""
    groups = connected_groups(pairs, size)
    return size - len(groups), sum(len(group) > 1 for group in groups)


def source(doc_id: str) -> str:
    """MedQuAD's source of a document id (its prefix)."""
    return doc_id.split("_")[0]


def exhaustive_new_pairs(corpus: Corpus) -> set[tuple[int, int]]:
    """Every pair the word rule accepts, found without LSH: all pairs of cosine >= COSINE, and of equal words."""
    texts = [p.text for p in corpus.passages]
    found: set[tuple[int, int]] = set()
    for start in range(0, len(texts), 2000):
        close = corpus.vectors[start : start + 2000] @ corpus.vectors.T >= COSINE
        for a, b in zip(*np.nonzero(close)):
            i, j = int(a) + start, int(b)
            if i < j and new_rule(texts[i], texts[j], COSINE):
                found.add((i, j))
    by_words: dict[tuple[str, ...], list[int]] = {}
    for i, text in enumerate(texts):
        by_words.setdefault(tuple(normal_words(text)), []).append(i)
    for words, members in by_words.items():
        if words:
            found.update(
                (a, b)
                for n, a in enumerate(members)
                for b in members[n + 1 :]
                if corpus.vectors[a] @ corpus.vectors[b] >= SAME_WORDS_COSINE
            )
    return found


def why_not(a: str, b: str) -> str:
    """Which checks of the word rule a pair fails (cosine aside): critical words, changed words, similarity."""
    left, right = normal_words(a), normal_words(b)
    shorter, matched = min(len(left), len(right)), matched_words(left, right)
    failed = [
        name
        for name, fails in (
            ("critical_words", critical_words(left) != critical_words(right)),
            ("changed_words", shorter - matched > changed_words_allowed(shorter)),
            ("similarity", 2 * matched < SIMILARITY * (len(left) + len(right))),
        )
        if fails
    ]
    contained = " (shorter contained in longer)" if shorter == matched else ""
    return " + ".join(failed) + contained


def pair_record(corpus: Corpus, pair: tuple[int, int]) -> dict[str, Any]:
    """A pair for reading: ids, cosine, the start of the first text and the word edits."""
    i, j = pair
    a, b = corpus.passages[i].text, corpus.passages[j].text
    return {
        "ids": [corpus.doc_ids[i], corpus.doc_ids[j]],
        "cosine": round(float(corpus.vectors[i] @ corpus.vectors[j]), 4),
        "a_start": a[:240],
        **describe(a, b),
    }


def timed(run: Callable[[], list[tuple[int, int]]], repeats: int = 3) -> tuple[float, list[tuple[int, int]]]:
    """The least CPU time of a few runs (the machine is shared, so wall time says little) and the result."""
    best, result = float("inf"), []
    for _ in range(repeats):
        started = time.process_time()
        result = run()
        best = min(best, time.process_time() - started)
    return best, result


def medquad_part(data: Path, index: Path, sample: int) -> dict[str, Any]:
    """(b): both rules on MedQuAD's passages."""
    corpus = load_corpus(data, index)
    texts, size = [p.text for p in corpus.passages], len(corpus.passages)
    old_seconds, old_pairs = timed(lambda: old_rule_pairs(texts, corpus.vectors, corpus.signatures))
    new_seconds, new_pairs = timed(
        lambda: near_duplicate_pairs(texts, SIMILARITY, corpus.vectors, COSINE, corpus.signatures)
    )
    old, new = {tuple(sorted(p)) for p in old_pairs}, {tuple(sorted(p)) for p in new_pairs}
    exhaustive = exhaustive_new_pairs(corpus)

    def dev(pair: tuple[int, int]) -> bool:
        return all(source(corpus.doc_ids[i]) in DEV_SOURCES for i in pair)

    def summary(pairs: set[tuple[int, int]], chosen: set[tuple[int, int]]) -> dict[str, int]:
        away, groups = merged_away(pairs & chosen, size)
        return {"pairs": len(pairs & chosen), "passages_merged_away": away, "groups": groups}

    everything = old | new | exhaustive
    dev_pairs = {p for p in everything if dev(p)}
    rng = random.Random(0)
    only_new, only_old = sorted(new - old), sorted(old - new)
    result: dict[str, Any] = {
        "passages_after_exact_merge": size,
        "build_counts": corpus.build_counts,
        "old": {**summary(old, everything), "cpu_seconds": round(old_seconds, 1)},
        "new": {**summary(new, everything), "cpu_seconds": round(new_seconds, 1)},
        "new_exhaustive": summary(exhaustive, everything),
        "new_missed_by_lsh": len(exhaustive - new),
        "both": len(old & new),
        "only_old": len(only_old),
        "only_new": len(only_new),
        "only_old_why": dict(Counter(why_not(texts[i], texts[j]) for i, j in only_old)),
        "dev_sources": {
            "old": summary(old, dev_pairs),
            "new": summary(new, dev_pairs),
            "only_old": len((old - new) & dev_pairs),
            "only_new": len((new - old) & dev_pairs),
        },
        "only_new_by_source": dict(Counter("/".join(sorted({source(corpus.doc_ids[i]) for i in p})) for p in only_new)),
        "only_old_by_source": dict(Counter("/".join(sorted({source(corpus.doc_ids[i]) for i in p})) for p in only_old)),
        "missed_by_lsh": [pair_record(corpus, p) for p in sorted(exhaustive - new)[:20]],
        "sample_only_new": [pair_record(corpus, p) for p in rng.sample(only_new, min(sample, len(only_new)))],
        "sample_only_old": [pair_record(corpus, p) for p in rng.sample(only_old, min(sample, len(only_old)))],
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "medquad")
    parser.add_argument("--index", type=Path, default=ROOT / "bench" / ".cache" / "medquad" / "index")
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--encoder", default=IndexSettings().encoder)
    parser.add_argument("--out", type=Path, default=RESULTS / f"near-duplicates-{date.today().isoformat()}.json")
    args = parser.parse_args()
    results: dict[str, Any] = {"rule": {"similarity": SIMILARITY, "cosine": COSINE, "old_jaccard": OLD_JACCARD}}
    results["pairs"] = pairs_part(args.encoder)
    for rule in ("old", "new"):
        print(f"pairs, {rule} rule:", json.dumps(results["pairs"][rule]))
    print("pairs the word rule accepts but its LSH missed:", results["pairs"]["new_missed_by_lsh"])
    for kind, row in results["pairs"]["by_kind"].items():
        print(f"  {kind:12} {json.dumps(row)}")
    results["medquad"] = medquad_part(args.data, args.index, args.sample)
    shown = {k: v for k, v in results["medquad"].items() if not k.startswith(("sample", "missed_by"))}
    print("MedQuAD:", json.dumps(shown, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
