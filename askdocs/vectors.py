"""The dense vector index: FAISS, chosen by corpus size, saved in FAISS's own format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def build_vector_index(vectors: np.ndarray) -> tuple[Any, dict[str, Any]]:
    """A FAISS inner-product index over unit vectors, and its description for the manifest."""
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    return index, {"type": "IndexFlatIP", "vectors": int(vectors.shape[0])}


def save_vector_index(index: Any, path: Path) -> None:
    """Write the index in FAISS's binary format."""
    import faiss

    faiss.write_index(index, str(path))


def load_vector_index(path: Path) -> Any:
    """Read an index written by `save_vector_index`."""
    import faiss

    return faiss.read_index(str(path))


def search_vectors(index: Any, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ids and inner products of the `k` nearest vectors (ids of -1 are padding)."""
    k = min(k, index.ntotal)
    scores, ids = index.search(query.reshape(1, -1).astype(np.float32), k)
    return ids[0], scores[0]
