"""The exact backend: every vector scored (below `IVF_THRESHOLD` vectors)."""

from __future__ import annotations

import numpy as np

from askdocs.index.ann.base import FaissIndex, VectorIndex


class FlatIndex(FaissIndex):
    """Exact search: every vector scored (FAISS `IndexFlatIP`)."""

    kind = "IndexFlatIP"

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        import faiss

        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)
