"""The approximate backend for large builds: an inverted file of 8-bit scalar-quantised vectors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.index.ann.base import FaissIndex, VectorIndex

NPROBE = 32
TRAIN_PER_LIST = 64


class IvfIndex(FaissIndex):
    """Approximate search: an inverted file of 8-bit scalar-quantised vectors (FAISS `IndexIVFScalarQuantizer`)."""

    kind = "IndexIVFScalarQuantizer"

    @classmethod
    def build(cls, vectors: np.ndarray, seed: int = 0) -> VectorIndex:
        import faiss

        count, dimension = vectors.shape
        lists = ivf_lists(count)
        index = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(dimension), dimension, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        sample = np.random.default_rng(seed).choice(count, size=min(count, lists * TRAIN_PER_LIST), replace=False)
        index.train(np.ascontiguousarray(vectors[np.sort(sample)]))
        for start in range(0, count, 100_000):
            index.add(np.ascontiguousarray(vectors[start : start + 100_000]))
        index.nprobe = NPROBE
        return cls(index)

    @classmethod
    def open(cls, path: Path, info: dict[str, Any]) -> VectorIndex:
        opened = super().open(path, info)
        assert isinstance(opened, IvfIndex)
        opened.index.nprobe = int(info.get("nprobe", NPROBE))
        return opened

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "nlist": int(self.index.nlist),
            "nprobe": int(self.index.nprobe),
            "quantizer": "QT_8bit",
        }


def ivf_lists(count: int) -> int:
    """Number of inverted lists for `count` vectors (about 4·√n, a power of two)."""
    return 2 ** round(math.log2(4 * math.sqrt(count)))
