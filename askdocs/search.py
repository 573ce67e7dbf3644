"""Answer questions from a built index: `Searcher.load(folder).search(question, k)`."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from askdocs import store
from askdocs.cleaning import normalize
from askdocs.embedding import Embedder, load_embedder
from askdocs.errors import IndexCorruptError, IndexMismatchError, rebuild_hint
from askdocs.keyword import KeywordIndex
from askdocs.ranking import (
    MODES,
    best_sentence,
    blend_passage_cosine,
    confident_first,
    fuse,
    roll_up,
    sentence_coverage,
)
from askdocs.recorded import recorded_embedder
from askdocs.records import Citation, Hit
from askdocs.settings import Settings
from askdocs.vectors import load_vector_index, passage_vectors, search_vectors

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPassage:
    """A passage as kept in the index."""

    text: str
    title: str | None
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as kept in the index: a span of its passage, with its own citations."""

    passage_id: int
    span: tuple[int, int]
    citations: tuple[Citation, ...]
    # Spans of the chunk's sentences, in the chunk's text; their vectors are in sentences.npy.
    sentences: tuple[tuple[int, int], ...]


class Searcher:
    """A loaded index and model that answer questions."""

    def __init__(self, index_dir: Path, build: Path, manifest: dict[str, Any], embedder: Embedder) -> None:
        self.index_dir = index_dir
        self.build = build
        self.manifest = manifest
        self.settings = _index_settings(manifest, index_dir)
        self.embedder = embedder
        try:
            self.vectors = load_vector_index(build / "vectors.faiss", manifest.get("faiss"))
            # Memory-mapped: read only for the candidates of each query.
            self.embeddings = np.load(build / "embeddings.npy", mmap_mode="r", allow_pickle=False)
            self.sentence_vectors = np.load(build / "sentences.npy", mmap_mode="r", allow_pickle=False)
            self.sentence_offsets = np.load(build / "sentence_offsets.npy", allow_pickle=False)
            self.keywords = KeywordIndex(build / "bm25", self.settings.keyword_stopwords)
            # Rows are parsed when a hit needs them; the lookups every question needs are arrays.
            self.passages = store.JsonlRows(build / "passages.jsonl", _stored_passage)
            self.chunks = store.JsonlRows(build / "chunks.jsonl", _stored_chunk)
            lookups = _lookups(build, self.passages, self.chunks)
            self.chunk_passages, self._order = lookups.chunk_passages, lookups.order
            self._sources = {source: number for number, source in enumerate(lookups.sources)}
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            raise IndexCorruptError(
                f"cannot read the index at {index_dir} ({error}): {rebuild_hint(index_dir)}"
            ) from error
        # Passage scores read each passage's chunks as one run of rows.
        in_order = bool(np.all(self.chunk_passages[1:] >= self.chunk_passages[:-1]))
        if not (self.vectors.ntotal == len(self.chunks) == len(self.chunk_passages) and in_order):
            raise IndexCorruptError(f"the index at {index_dir} is inconsistent: {rebuild_hint(index_dir)}")

    @classmethod
    def load(cls, index_dir: str | Path = "index", model: str | None = None, verify: bool = True) -> Searcher:
        """Load an index; `model`, when given, must be the one the index was built with."""
        index_dir = Path(index_dir)
        build = store.live_build(index_dir)
        manifest = store.read_manifest(build, index_dir, verify=verify)
        built_with = manifest["settings"]["model"]
        if model is not None and model != built_with:
            raise IndexMismatchError(
                f"the index at {index_dir} was built with the model '{built_with}', not '{model}'; "
                f"run `python ingest.py --index {index_dir} --model {model}` to rebuild it with that model"
            )
        settings = _index_settings(manifest, index_dir)
        # The int8 model and tokenizer the index recorded, without PyTorch; else the full model.
        embedder = recorded_embedder(build, manifest) or load_embedder(built_with, settings.encoder)
        if embedder.encoder != manifest.get("encoder", "fp32"):
            raise IndexMismatchError(
                f"the index at {index_dir} was built with the {manifest.get('encoder')} encoder, but only "
                f"{embedder.encoder} runs here (see the warning above); run "
                f"`python ingest.py --index {index_dir} --encoder {embedder.encoder}` to rebuild it"
            )
        if embedder.dimension != manifest["dimension"]:
            raise IndexMismatchError(
                f"the model '{built_with}' gives {embedder.dimension}-dimensional vectors but the index holds "
                f"{manifest['dimension']}: {rebuild_hint(index_dir)}"
            )
        return cls(index_dir, build, manifest, embedder)

    def chunk_text(self, chunk_id: int) -> str:
        """The text of a stored chunk."""
        chunk = self.chunks[chunk_id]
        return self.passages[chunk.passage_id].text[chunk.span[0] : chunk.span[1]]

    def sources(self) -> list[str]:
        """Every source file the index cites, sorted."""
        return list(self._sources)

    def context(self, hit: Hit, before: int = 1, after: int = 1) -> list[tuple[str, bool]]:
        """The passages around a hit's first citation in its source, with a flag on the hit's own."""
        if not hit.citations or hit.citations[0].doc_id is not None:
            return []
        source = self._sources.get(hit.citations[0].source)
        if source is None:
            return []
        ids = self._passages(source)
        where = np.flatnonzero(ids == hit.passage_id)
        if not where.size:
            return []
        at = int(where[0])
        window = ids[max(0, at - before) : at + after + 1].tolist()
        return [(self.passages[pid].text, pid == hit.passage_id) for pid in window]

    def _passages(self, source: int) -> np.ndarray:
        """The passages citing source number `source`, in reading order."""
        first, last = np.searchsorted(self._order[:, 0], [source, source + 1])
        return self._order[first:last, 1]

    def _passages_citing(self, sources: Collection[str]) -> np.ndarray:
        """Ids of the passages citing any of the named sources."""
        found = [self._passages(self._sources[name]) for name in sources if name in self._sources]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def prepare_question(self, question: str) -> tuple[str, str | None]:
        """The question normalised and cut to the model's window, with a note when it was cut."""
        question = normalize(question)
        window = self.embedder.max_tokens - 2
        offsets = self.embedder.word_piece_offsets(question)
        if len(offsets) <= window:
            return question, None
        cut = question[: offsets[window - 1][1]]
        note = f"The question is longer than the model reads ({len(offsets)} word pieces); only its first {window} were used."
        return cut, note

    def search(
        self,
        question: str,
        k: int = 10,
        sources: Collection[str] | None = None,
        mode: str = "hybrid",
        highlight: bool = True,
    ) -> list[Hit]:
        """The `k` best passages for a question, best first (one hit per passage).

        `sources`, when given, keeps only passages cited from those corpus files. `mode` is
        "hybrid" (the shipped ranking), "dense" or "keyword", the latter two for comparison.
        `highlight=False` skips marking the answering sentence (for bulk evaluation).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        question, _ = self.prepare_question(question)
        if not question or k <= 0 or not self.chunks:
            return []
        query = self.embedder.encode_question(question)
        depth = max(self.settings.candidates, k * 4)
        candidates, dense, keyword = self._candidates(question, query, depth, mode)
        if sources is not None:
            # A chunk cites the sources its passage cites, so the reading-order table answers this.
            allowed = np.zeros(len(self.passages), dtype=bool)
            allowed[self._passages_citing(sources)] = True
            keep = allowed[self.chunk_passages[candidates]]
            candidates, dense, keyword = candidates[keep], dense[keep], keyword[keep]
        if mode == "dense":
            scores = dense
        elif mode == "keyword":
            scores = keyword
        else:
            scores = fuse(dense, keyword, self.settings.keyword_weight)
        ranked = roll_up(self.chunk_passages[candidates].tolist(), scores)
        if mode == "hybrid":
            ranked, passage_scores = self._rerank(question, query, candidates, dense, scores, ranked)
        else:
            passage_scores = scores[np.asarray([position for _, position in ranked], dtype=np.int64)]
        score_of = {passage: float(score) for (passage, _), score in zip(ranked[:k], passage_scores[:k])}
        ranked = ranked[:k]
        confident = dense >= self.settings.confidence_threshold
        # The same k passages, reordered: pulling confident ones in from further down would cost
        # Recall@100 on MedQuAD dev (0.9974 -> 0.9971). The keyword-only ranking stays pure BM25.
        if mode == "hybrid":
            ranked = confident_first(ranked, confident)
        hits = []
        for passage_id, position in ranked:
            chunk_id = int(candidates[position])
            hits.append(
                Hit(
                    self.chunk_text(chunk_id),
                    score_of[passage_id],
                    list(self.chunks[chunk_id].citations),
                    confident=bool(confident[position]),
                    similarity=float(dense[position]) if mode != "keyword" else None,
                    passage_id=passage_id,
                    chunk_id=chunk_id,
                )
            )
        return self._highlight(query, hits) if highlight else hits

    def _candidates(
        self, question: str, query: np.ndarray, depth: int, mode: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Chunk ids from the dense and keyword indexes, with both scores for each."""
        found: list[np.ndarray] = []
        if mode != "keyword":
            ids, _ = search_vectors(self.vectors, query, depth)
            found.append(ids[ids >= 0])
        all_keyword = self.keywords.scores(question) if mode != "dense" else None
        if all_keyword is not None:
            depth = min(depth, all_keyword.size)
            top = np.argpartition(-all_keyword, depth - 1)[:depth]
            found.append(top[all_keyword[top] > 0])
        candidates = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        dense = self.embeddings[candidates] @ query if candidates.size else np.zeros(0, dtype=np.float32)
        keyword = all_keyword[candidates] if all_keyword is not None else np.zeros(candidates.size, dtype=np.float32)
        return candidates, np.asarray(dense, dtype=np.float32), keyword

    def _rerank(
        self,
        question: str,
        query: np.ndarray,
        candidates: np.ndarray,
        dense: np.ndarray,
        scores: np.ndarray,
        ranked: list[tuple[int, int]],
    ) -> tuple[list[tuple[int, int]], np.ndarray]:
        """The hybrid ranking's passage order and scores (`scores`: the candidates' fused scores): the
        whole passage's cosine blended in, then the first `rerank_depth` passages lifted by how much
        of the question one sentence holds."""
        settings = self.settings
        passages = np.asarray([passage for passage, _ in ranked], dtype=np.int64)
        positions = np.asarray([position for _, position in ranked], dtype=np.int64)
        scores = blend_passage_cosine(
            scores[positions], dense[positions], self._passage_cosines(query, passages), settings.passage_weight
        )
        order = np.argsort(-scores, kind="stable")
        head = order[: settings.rerank_depth]
        weights = self.keywords.term_weights(question)
        if weights and head.size:
            sentences = self._sentence_words(candidates[positions[head]].tolist())
            scores[head] += settings.sentence_keyword_weight * np.asarray(
                [sentence_coverage(weights, words) for words in sentences]
            )
            order = np.concatenate([head[np.argsort(-scores[head], kind="stable")], order[head.size :]])
        return [ranked[i] for i in order.tolist()], scores[order]

    def _passage_cosines(self, query: np.ndarray, passages: np.ndarray) -> np.ndarray:
        """Each passage's cosine to the question (`vectors.passage_vectors`, from the stored chunk vectors)."""
        # A passage's chunks are stored next to each other, in passage order (checked at load).
        starts = np.searchsorted(self.chunk_passages, passages, side="left")
        lengths = np.searchsorted(self.chunk_passages, passages, side="right") - starts
        firsts = np.cumsum(lengths) - lengths
        rows = np.arange(int(lengths.sum())) + np.repeat(starts - firsts, lengths)
        owners = np.repeat(np.arange(passages.size), lengths)
        return passage_vectors(np.asarray(self.embeddings[rows], dtype=np.float32), owners, passages.size) @ query

    def _sentence_words(self, chunk_ids: list[int]) -> list[list[set[str]]]:
        """The indexed words of each chunk's sentences; the passage's title counts in every sentence."""
        texts: list[str] = []
        counts: list[int] = []
        for chunk_id in chunk_ids:
            chunk = self.chunks[chunk_id]
            passage = self.passages[chunk.passage_id]
            text = passage.text[chunk.span[0] : chunk.span[1]]
            sentences = [text[start:end] for start, end in chunk.sentences] or [text]
            texts.extend([passage.title or "", *sentences])
            counts.append(len(sentences))
        words = self.keywords.words(texts)
        out, at = [], 0
        for count in counts:
            title = words[at]
            out.append([title | sentence for sentence in words[at + 1 : at + 1 + count]])
            at += 1 + count
        return out

    def _highlight(self, query: np.ndarray, hits: list[Hit]) -> list[Hit]:
        """Mark in each hit the sentence closest to the question.

        The sentence vectors were pooled from the chunk's own forward pass at ingest, so this
        costs one small matrix product per hit instead of running the model again.
        """
        out = []
        for hit in hits:
            first, last = self.sentence_offsets[hit.chunk_id], self.sentence_offsets[hit.chunk_id + 1]
            similarities = np.asarray(self.sentence_vectors[first:last], dtype=np.float32) @ query
            spans = self.chunks[hit.chunk_id].sentences
            out.append(replace(hit, highlight=best_sentence(spans, similarities, hit.text)))
        return out


def _index_settings(manifest: dict[str, Any], index_dir: Path) -> Settings:
    """The settings an index was built with; for another version's, an error naming the command that rebuilds it."""
    try:
        return Settings.from_json(manifest["settings"])
    except IndexMismatchError as error:
        raise IndexMismatchError(
            f"the index at {index_dir} was built by another version of askdocs ({error}): {rebuild_hint(index_dir)}"
        ) from error


def _stored_passage(row: dict[str, Any]) -> StoredPassage:
    return StoredPassage(row["text"], row.get("title"), tuple(Citation.from_json(c) for c in row["citations"]))


def _stored_chunk(row: dict[str, Any]) -> StoredChunk:
    return StoredChunk(
        row["passage"],
        tuple(row["span"]),
        tuple(Citation.from_json(c) for c in row["citations"]),
        tuple(tuple(span) for span in row["sentences"]),
    )


def _lookups(build: Path, passages: Sequence[StoredPassage], chunks: Sequence[StoredChunk]) -> store.Lookups:
    """The build's stored lookups; for a build made before they were stored, worked out from every row once."""
    stored = store.read_lookups(build)
    if stored is not None:
        return stored
    sources, order = store.reading_order(passage.citations for passage in passages)
    return store.Lookups(np.asarray([chunk.passage_id for chunk in chunks], dtype=np.int64), sources, order)
