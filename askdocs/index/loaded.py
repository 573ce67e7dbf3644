"""A build opened for questions: its vector and keyword indexes, its rows and the lookups every question needs."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path

import numpy as np

from askdocs.errors import IndexCorruptError, rebuild_hint
from askdocs.index.ann import open_vector_index
from askdocs.index.bm25 import KeywordIndex
from askdocs.index.build_folder import KEYWORD_DIR, VECTOR_INDEX_STEM, BuildReader, Lookups, Manifest, reading_order
from askdocs.index.keyword_counts import WordCounts, is_counts_folder
from askdocs.records import Passage
from askdocs.settings import model_profile
from askdocs.vectors import passage_vectors


class LoadedIndex:
    """The files of one build, opened; arrays memory-mapped and rows parsed only when a hit needs them."""

    def __init__(self, index_dir: Path, reader: BuildReader, manifest: Manifest) -> None:
        self.settings = settings = manifest.index_settings(index_dir)
        self.manifest = manifest
        # How the model's cosines lie (confidence threshold, spread), for the ranking.
        self.profile = model_profile(manifest.model)
        self.index_dir = index_dir
        try:
            self.vector_index = open_vector_index(reader.path(VECTOR_INDEX_STEM), manifest.vector_index)
            stored = reader.chunk_vectors()
            self.chunk_vectors, self.sentence_vectors = stored.vectors, stored.sentences
            self.sentence_offsets = np.asarray(stored.offsets)
            folder = reader.path(KEYWORD_DIR)
            # A shard's keyword folder holds word counts, scored with all shards' statistics (sharded_loaded.py).
            self.keywords = (
                WordCounts(folder) if is_counts_folder(folder) else KeywordIndex(folder, settings.keyword_stopwords)
            )
            self.passages = reader.passages()
            self.chunks = reader.chunks()
            lookups = reader.lookups() or self._work_out_lookups()
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            raise IndexCorruptError(
                f"cannot read the index at {index_dir} ({error}): {rebuild_hint(index_dir)}"
            ) from error
        self.chunk_passages, self._order = lookups.chunk_passages, lookups.order
        self._sources = {source: number for number, source in enumerate(lookups.sources)}
        # Passage scores read each passage's chunks as one run of rows.
        in_order = bool(np.all(self.chunk_passages[1:] >= self.chunk_passages[:-1]))
        if not (len(self.vector_index) == len(self.chunks) == len(self.chunk_passages) and in_order):
            raise IndexCorruptError(f"the index at {index_dir} is inconsistent: {rebuild_hint(index_dir)}")

    def _work_out_lookups(self) -> Lookups:
        """For a build made before the lookups were stored: worked out from every row once."""
        sources, order = reading_order(passage.citations for passage in self.passages)
        return Lookups(np.asarray([chunk.passage_id for chunk in self.chunks], dtype=np.int64), sources, order)

    def chunk_text(self, chunk_id: int) -> str:
        """The text of a stored chunk."""
        chunk = self.chunks[chunk_id]
        return self.passages[chunk.passage_id].text[chunk.span[0] : chunk.span[1]]

    def reading_lookups(self) -> tuple[list[str], np.ndarray]:
        """Every source cited, sorted, and the (source number, passage id) rows in reading order."""
        return list(self._sources), self._order

    def start_question(self, question: str, query: np.ndarray, depth: int, dense: bool, keyword: bool) -> None:
        """What retrieval will ask first (its `depth` nearest chunks, the question's words), announced; a
        sharded index of remote shards asks them in one call (sharded_loaded.py), local files need nothing."""

    def passage_rows(self, passage_ids: list[int]) -> list[Passage]:
        """Passages by id, in the order asked."""
        return [self.passages[pid] for pid in passage_ids]

    def prefetch(self, chunk_ids: list[int]) -> None:
        """Read ahead the rows and sentence vectors of these chunks; nothing to do for local files
        (a shard answered from another process fetches them in one call: serve/cluster/)."""

    def sources(self) -> list[str]:
        """Every source file the index cites, sorted."""
        return list(self._sources)

    def cites(self, source: str) -> bool:
        """Whether the index cites the corpus file `source`."""
        return source in self._sources

    def source_passages(self, source: str) -> np.ndarray:
        """The passages citing `source`, in its reading order (none for an unknown source)."""
        number = self._sources.get(source)
        if number is None:
            return np.zeros(0, dtype=np.int64)
        first, last = np.searchsorted(self._order[:, 0], [number, number + 1])
        return self._order[first:last, 1]

    def passages_in_reading_order(self) -> np.ndarray:
        """Every passage id, file after file (by name), each file's in its reading order (a passage cited twice, twice)."""
        return self._order[:, 1]

    def passages_citing(self, sources: Collection[str]) -> np.ndarray:
        """A mask over passage ids: True for the passages citing any of the named sources."""
        allowed = np.zeros(len(self.passages), dtype=bool)
        for name in sources:
            allowed[self.source_passages(name)] = True
        return allowed

    def chunks_citing(self, sources: Collection[str]) -> np.ndarray:
        """The ids of the chunks whose passage cites any of the named sources, ascending."""
        rows, _ = self._chunk_rows(np.flatnonzero(self.passages_citing(sources)))
        return rows

    def _chunk_rows(self, passages: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the passages' chunks, passage after passage, and how many rows each passage has."""
        # A passage's chunks are stored next to each other, in passage order (checked at load).
        starts = np.searchsorted(self.chunk_passages, passages, side="left")
        lengths = np.searchsorted(self.chunk_passages, passages, side="right") - starts
        firsts = np.cumsum(lengths) - lengths
        return np.arange(int(lengths.sum())) + np.repeat(starts - firsts, lengths), lengths

    def chunks_of_passages(self, passages: np.ndarray) -> np.ndarray:
        """The ids of the given passages' chunks (passage ids ascending give chunk ids ascending)."""
        rows, _ = self._chunk_rows(passages)
        return rows

    def document_date(self, source: str) -> date | None:
        """The date the file `source` is cited with (its own metadata date, else its modification
        time at ingest); None for a build made before dates were recorded."""
        ids = self.source_passages(source)
        cited = (c for c in self.passages[int(ids[0])].citations if c.source == source) if ids.size else iter(())
        stamp = next((c.date for c in cited), None)
        return date.fromisoformat(stamp) if stamp else None

    def passage_cosines(self, query: np.ndarray, passages: np.ndarray) -> np.ndarray:
        """Each passage's cosine to the question (`ranking.passage_vectors`, from the stored chunk vectors)."""
        rows, lengths = self._chunk_rows(passages)
        owners = np.repeat(np.arange(passages.size), lengths)
        return passage_vectors(np.asarray(self.chunk_vectors[rows], dtype=np.float32), owners, passages.size) @ query

    def sentence_words(self, chunk_ids: list[int]) -> list[list[set[str]]]:
        """The indexed words of each chunk's sentences; the passage's title counts in every sentence."""
        self.prefetch(chunk_ids)
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

    def sentence_cosines(self, chunk_id: int, query: np.ndarray) -> np.ndarray:
        """The cosine of each of a chunk's sentences to the question, from the vectors pooled at ingest."""
        first, last = self.sentence_offsets[chunk_id], self.sentence_offsets[chunk_id + 1]
        return np.asarray(self.sentence_vectors[first:last], dtype=np.float32) @ query
