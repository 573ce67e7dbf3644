"""Where an ingest's per-item work runs: the `Executor` interface and `LocalExecutor`, this process.

`build_index(executor=...)` takes an `ExecutorFactory`, which opens an executor for the ingest and
closes it after (`local_executor` here; `ray_executor.ray_executor` for Ray). Files are read first; the
build's encoder, which the library's languages decide, is handed over (`use`) before anything is embedded.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

import numpy as np

from askdocs.encoders import Encoder
from askdocs.ingest.chunking import plan_chunks
from askdocs.ingest.corpus import CorpusFile, Document, SkippedFile, read_file
from askdocs.ingest.near_duplicates import compute_signatures
from askdocs.records import ChunkPlan, Passage
from askdocs.settings import ReadLimits

T = TypeVar("T")


class Executor(ABC):
    """Where an ingest's per-item work runs: this process (`LocalExecutor`) or a Ray cluster
    (`ray_executor.RayExecutor`). A corpus-wide step (duplicates, a sharded build's shards) is split by the
    caller into `workers` parts that `each` runs; the caller joins their results."""

    # How many parts a corpus-wide step is split into for `each` (the workers that run them side by side).
    workers: int = 1

    @abstractmethod
    def use(self, encoder: Encoder) -> None:
        """Plan and embed with this encoder from now on."""

    @abstractmethod
    def read(self, files: list[CorpusFile], limits: ReadLimits) -> list[Document | SkippedFile]:
        """Each file read (or skipped, with the reason), in order."""

    @abstractmethod
    def plan(self, passages: list[Passage], chunk_tokens: int, overlap: int) -> list[ChunkPlan]:
        """Each passage's chunk plan, in order."""

    @abstractmethod
    def embed(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Each text's unit vector and its spans' vectors (`Encoder.encode_with_spans`)."""

    @abstractmethod
    def minhash(self, texts: list[str]) -> np.ndarray:
        """Each text's MinHash signature (`near_duplicates.compute_signatures`)."""

    def each(self, function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        """`function` (a module-level function) on each item, in order: the parts of a corpus-wide step,
        such as writing the shards of a sharded build. Here: one after the other."""
        return [function(item) for item in items]


def in_parts(items: list[T], parts: int) -> list[list[T]]:
    """`items` in up to `parts` runs of about equal length, in order (none empty)."""
    size = -(-len(items) // max(parts, 1))
    return [items[at : at + size] for at in range(0, len(items), max(size, 1))]


# Opens the executor of one ingest (and closes it when the ingest ends).
ExecutorFactory = Callable[[], AbstractContextManager[Executor]]


class LocalExecutor(Executor):
    """Everything in this process, with the given encoder (one is needed before planning)."""

    def __init__(self, encoder: Encoder | None = None, progress: bool = False) -> None:
        self._encoder, self.progress = encoder, progress

    def use(self, encoder: Encoder) -> None:
        self._encoder = encoder

    @property
    def encoder(self) -> Encoder:
        """The encoder handed over by `use`."""
        if self._encoder is None:
            raise RuntimeError("no encoder yet: call use() before planning or embedding")
        return self._encoder

    def read(self, files: list[CorpusFile], limits: ReadLimits) -> list[Document | SkippedFile]:
        from tqdm import tqdm

        return [read_file(f, limits) for f in tqdm(files, desc="reading", unit="file", disable=not self.progress)]

    def plan(self, passages: list[Passage], chunk_tokens: int, overlap: int) -> list[ChunkPlan]:
        return plan_chunks(passages, self.encoder.count_tokens, self.encoder.word_piece_offsets, chunk_tokens, overlap)

    def embed(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        return self.encoder.encode_with_spans(texts, spans, progress=self.progress)

    def minhash(self, texts: list[str]) -> np.ndarray:
        return compute_signatures(texts)


def local_executor(progress: bool = False) -> ExecutorFactory:
    """For `build_index(executor=...)`: the per-item work in this process (the default)."""

    def open_local() -> AbstractContextManager[Executor]:
        return nullcontext(LocalExecutor(progress=progress))

    return open_local
