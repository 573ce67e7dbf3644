"""Vector arithmetic that ingest, the index and search share."""

from __future__ import annotations

import numpy as np


def passage_vectors(chunk_vectors: np.ndarray, chunk_passages: np.ndarray, passages: int) -> np.ndarray:
    """Each passage's vector: the unit-length mean of its chunks' vectors (row i belongs to passage
    `chunk_passages[i]`). Near-duplicates are judged by it, and the ranking blends in its cosine."""
    sums = np.zeros((passages, chunk_vectors.shape[1]), dtype=np.float32)
    if chunk_passages.size:
        # Sums over runs of rows (reduceat), not np.add.at: 4x faster on a question's candidates.
        order = np.argsort(chunk_passages, kind="stable")
        owners = chunk_passages[order]
        firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        sums[owners[firsts]] = np.add.reduceat(chunk_vectors[order], firsts)
    return sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
