"""Retrieval: the candidate chunks a question gets from the vector index and BM25, with both scores each."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from askdocs.index.loaded import LoadedIndex


class RetrievalMode(Protocol):
    """What retrieval needs of a search mode: which indexes it reads."""

    uses_dense: bool
    uses_keyword: bool


@dataclass(frozen=True)
class Candidates:
    """Chunk ids proposed by the indexes, each with its exact cosine and its BM25 score."""

    chunks: np.ndarray
    dense: np.ndarray
    keyword: np.ndarray


# Chunk vectors multiplied at once when searching a subset: bounds what a large subset copies
# out of the memory-mapped vectors (64k x 384 float32 is 100 MB).
SUBSET_BLOCK = 65_536
# Subsets up to this many chunks are searched exactly (1 % of a 1M-chunk index: 5 ms); larger ones
# through the vector index (see `_nearest_within`).
EXACT_SUBSET = 20_000


def retrieve(
    index: LoadedIndex,
    question: str,
    query: np.ndarray,
    depth: int,
    mode: RetrievalMode,
    within: np.ndarray | None = None,
    within_vectors: np.ndarray | None = None,
) -> Candidates:
    """Up to `depth` chunks from each index the mode uses, with both scores for each.

    `within`, when given, holds the ids of the only chunks to search (a file filter; `within_vectors`,
    when given, their stored vectors, already read): their top
    `depth` by exact cosine and by BM25, so a chosen file's passages are found however far down
    the whole index ranks them.
    """
    found: list[np.ndarray] = []
    if mode.uses_dense:
        if within is None:
            ids, _ = index.vector_index.search(query, depth)
            found.append(ids[ids >= 0])
        else:
            found.append(_nearest_within(index, query, within, depth, within_vectors))
    all_keyword = index.keywords.scores(question) if mode.uses_keyword else None
    if all_keyword is not None:
        if within is None:
            depth = min(depth, all_keyword.size)
            top = np.argpartition(-all_keyword, depth - 1)[:depth]
            found.append(top[all_keyword[top] > 0])
        else:
            pool = all_keyword[within]
            top = _top(pool, depth)
            found.append(within[top[pool[top] > 0]])
    chunks = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
    dense = index.chunk_vectors[chunks] @ query if chunks.size else np.zeros(0, dtype=np.float32)
    keyword = all_keyword[chunks] if all_keyword is not None else np.zeros(chunks.size, dtype=np.float32)
    return Candidates(chunks, np.asarray(dense, dtype=np.float32), keyword)


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """The positions of the `depth` highest scores, in no particular order."""
    depth = min(depth, scores.size)
    if depth <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.argpartition(-scores, depth - 1)[:depth]


def _nearest_within(
    index: LoadedIndex, query: np.ndarray, within: np.ndarray, depth: int, vectors: np.ndarray | None = None
) -> np.ndarray:
    """The `depth` chunks of `within` (ascending) nearest the question.

    Exact for a subset of up to `EXACT_SUBSET` chunks: one matrix product over its stored vectors,
    with none of an approximate vector index's misses. A larger subset is searched through the vector
    index, deep enough that `depth` of its results should fall inside it, and those are kept: reading
    100,000 scattered rows of a 1M-chunk index took 55 ms, the vector index a few.
    """
    if within.size > EXACT_SUBSET:
        return _indexed_within(index, query, within, depth)
    if vectors is not None:  # the subset's rows, already read (the searcher keeps the last subset's)
        return within[_top(vectors @ query, depth)]
    cosines = [
        index.chunk_vectors[within[at : at + SUBSET_BLOCK]] @ query for at in range(0, within.size, SUBSET_BLOCK)
    ]
    if not cosines:
        return np.zeros(0, dtype=np.int64)
    return within[_top(np.concatenate(cosines), depth)]


def _indexed_within(index: LoadedIndex, query: np.ndarray, within: np.ndarray, depth: int) -> np.ndarray:
    """The vector index's nearest chunks that are in `within`, up to `depth`, from twice the depth the
    subset's share of the index calls for."""
    total = len(index.chunks)
    wanted = min(total, int(2 * depth * total / within.size) + depth)
    ids, _ = index.vector_index.search(query, wanted)
    ids = ids[ids >= 0]
    at = np.minimum(np.searchsorted(within, ids), within.size - 1)
    return ids[within[at] == ids][:depth]
