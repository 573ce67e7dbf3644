"""Answer questions from a built index: `Searcher.load(folder).search(question, k)`."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from askdocs import store
from askdocs.cleaning import normalize
from askdocs.embedding import Embedder, load_embedder
from askdocs.errors import IndexCorruptError, IndexMismatchError, rebuild_hint
from askdocs.keyword import KeywordIndex
from askdocs.records import Citation, Hit
from askdocs.settings import Settings
from askdocs.vectors import load_vector_index, search_vectors

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


class Searcher:
    """A loaded index and model that answer questions."""

    def __init__(self, index_dir: Path, build: Path, manifest: dict[str, Any], embedder: Embedder) -> None:
        self.index_dir = index_dir
        self.build = build
        self.manifest = manifest
        self.settings = Settings.from_json(manifest["settings"])
        self.embedder = embedder
        try:
            self.vectors = load_vector_index(build / "vectors.faiss")
            self.keywords = KeywordIndex(build / "bm25")
            self.passages = [
                StoredPassage(row["text"], row.get("title"), tuple(Citation.from_json(c) for c in row["citations"]))
                for row in store.read_jsonl(build / "passages.jsonl")
            ]
            self.chunks = [
                StoredChunk(row["passage"], tuple(row["span"]), tuple(Citation.from_json(c) for c in row["citations"]))
                for row in store.read_jsonl(build / "chunks.jsonl")
            ]
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            raise IndexCorruptError(
                f"cannot read the index at {index_dir} ({error}): {rebuild_hint(index_dir)}"
            ) from error
        # Reading order of passages in each source, for the context around a hit.
        self._order: dict[str, list[tuple[int, int]]] = {}
        for pid, passage in enumerate(self.passages):
            for citation in passage.citations:
                place = citation.line if citation.line is not None else (citation.page or 0) * 10**6 + pid
                self._order.setdefault(citation.source, []).append((place, pid))
        for places in self._order.values():
            places.sort()
        if self.vectors.ntotal != len(self.chunks):
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
        embedder = load_embedder(built_with)
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
        return sorted(self._order)

    def context(self, hit: Hit, before: int = 1, after: int = 1) -> list[tuple[str, bool]]:
        """The passages around a hit's first citation in its source, with a flag on the hit's own."""
        if not hit.citations or hit.citations[0].doc_id is not None:
            return []
        places = self._order.get(hit.citations[0].source, [])
        ids = [pid for _, pid in places]
        if hit.passage_id not in ids:
            return []
        at = ids.index(hit.passage_id)
        window = ids[max(0, at - before) : at + after + 1]
        return [(self.passages[pid].text, pid == hit.passage_id) for pid in window]

    def prepare_question(self, question: str) -> tuple[str, str | None]:
        """The question normalised and cut to the model's window, with a note when it was cut."""
        question = normalize(question)
        window = self.embedder.max_tokens - 2
        encoded = self.embedder.tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoded["offset_mapping"]
        if len(offsets) <= window:
            return question, None
        cut = question[: offsets[window - 1][1]]
        note = f"The question is longer than the model reads ({len(offsets)} word pieces); only its first {window} were used."
        return cut, note

    def search(self, question: str, k: int = 10, sources: Collection[str] | None = None) -> list[Hit]:
        """The `k` best passages for a question, best first (one hit per passage).

        `sources`, when given, keeps only passages cited from those corpus files.
        """
        question, _ = self.prepare_question(question)
        if not question or k <= 0 or not self.chunks:
            return []
        query = self.embedder.encode([question])[0]
        ids, scores = search_vectors(self.vectors, query, max(k * 4, 50))
        hits: list[Hit] = []
        seen: set[int] = set()
        for chunk_id, score in zip(ids.tolist(), scores.tolist()):
            if chunk_id < 0:
                continue
            chunk = self.chunks[chunk_id]
            if sources is not None and not any(c.source in sources for c in chunk.citations):
                continue
            if chunk.passage_id in seen:
                continue
            seen.add(chunk.passage_id)
            hits.append(
                Hit(
                    self.chunk_text(chunk_id),
                    float(score),
                    list(chunk.citations),
                    passage_id=chunk.passage_id,
                    chunk_id=chunk_id,
                )
            )
            if len(hits) == k:
                break
        return hits
