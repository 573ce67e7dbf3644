"""Ingest and search settings: one dataclass, saved beside the index."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from askdocs.errors import IndexMismatchError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
ENCODERS = ("int8", "fp32")


@dataclass(frozen=True)
class Settings:
    """Everything that decides what the index holds; a change means a rebuild."""

    model: str = DEFAULT_MODEL
    # Word pieces per chunk, [CLS] and [SEP] included. all-MiniLM-L6-v2 reads at most 256 but was
    # trained on 128: 128-piece chunks scored 0.718 nDCG@10 on MedQuAD dev against 0.696 for 256,
    # and ingest ran 1.3x faster (shorter sequences, less attention).
    chunk_tokens: int = 128
    # Sentences repeated at the start of the next chunk, so a fact split across is still whole.
    overlap_sentences: int = 1
    # Jaccard similarity of word 3-shingles above which two passages are near-duplicates.
    near_duplicate_jaccard: float = 0.7
    # ... confirmed only when their embeddings are at least this close.
    near_duplicate_cosine: float = 0.95
    # How the model runs: "int8" (weights quantised, ONNX Runtime; 1.37x faster on MedQuAD chunks, see
    # README, Performance) or "fp32" (sentence-transformers as is). int8 falls back to fp32, with a
    # warning, where it cannot run (no onnxruntime, a model without mean pooling).
    encoder: str = "int8"
    # Files larger than this are skipped and reported.
    max_file_bytes: int = 50_000_000
    # Ranking: chunks taken from each of the dense and keyword indexes before fusion,
    candidates: int = 100
    # ... the weight of the (per-query scaled) BM25 score added to the cosine,
    keyword_weight: float = 0.35
    # ... and BM25's term-frequency saturation and length normalisation. A small k1 makes the
    # keyword score mostly "which rare words of the question occur", which complements the
    # dense score best (tuned on the MedQuAD dev split; see README, Quality).
    bm25_k1: float = 0.1
    bm25_b: float = 0.4
    # ... and the words BM25 ignores: bm25s's longer English list ("en_plus", NLTK's), which drops
    # question words such as "what", "how" and "does" that would otherwise reward passages for
    # containing them (see README, Quality).
    keyword_stopwords: str = "en_plus"
    # ... the share of a passage's cosine taken from the whole passage (the mean of its chunk
    # vectors) instead of its best chunk,
    passage_weight: float = 0.3
    # ... and, for the first `rerank_depth` passages, the weight of the largest share of the
    # question's keywords (IDF-weighted) that one sentence of the best chunk holds (see README, Quality).
    sentence_keyword_weight: float = 0.5
    rerank_depth: int = 10
    # ... and the cosine of a hit's best chunk below which it is only a weak match.
    confidence_threshold: float = 0.45

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the manifest."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Settings from a manifest; unknown or missing keys mean another version."""
        names = {f.name for f in fields(cls)}
        if set(data) != names:
            raise IndexMismatchError(
                f"index settings {sorted(set(data) ^ names)} do not match this version of askdocs; "
                "rebuild the index with `python ingest.py`"
            )
        return cls(**data)

    def describe(self) -> str:
        """One-line JSON form, for logs."""
        return json.dumps(self.to_json(), sort_keys=True)
