"""The dense vector index: a class per backend behind `VectorIndex`, chosen by corpus size.

Up to `IVF_THRESHOLD` vectors an exact `FlatIndex` is fast enough. Above it, `IvfIndex` (an
inverted file with 8-bit scalar-quantised vectors) holds a quarter of the memory and scans only
`nprobe` of its lists; either proposes candidates only, because the search re-scores every
candidate exactly from the memory-mapped float32 chunk vectors. A new backend is one subclass
plus one entry in `BACKENDS`; the manifest records its `describe()`, which `open_vector_index` reads back.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

IVF_THRESHOLD = 100_000
NPROBE = 32
TRAIN_PER_LIST = 64


class VectorIndex(ABC):
    """Inner-product search over unit vectors, stored in one file of the build."""

    kind: ClassVar[str]  # the name the manifest records
    suffix: ClassVar[str]  # the stored file's extension

    @classmethod
    @abstractmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        """An index of the vectors (row i has id i)."""

    @classmethod
    @abstractmethod
    def open(cls, path: Path, info: dict[str, Any]) -> VectorIndex:
        """The index saved at `path`, with the parameters `describe()` recorded."""

    @abstractmethod
    def save(self, path: Path) -> None:
        """Write the index to `path`."""

    @abstractmethod
    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ids and inner products of the `k` nearest vectors (ids of -1 are padding)."""

    @abstractmethod
    def __len__(self) -> int:
        """Vectors held."""

    def describe(self) -> dict[str, Any]:
        """What the manifest records: the backend's name, its size and its search parameters."""
        return {"type": self.kind, "vectors": len(self)}


class FaissIndex(VectorIndex):
    """A FAISS index in FAISS's own file format; one question is searched on one thread."""

    suffix = ".faiss"

    def __init__(self, index: Any) -> None:
        self.index = index

    @classmethod
    def open(cls, path: Path, info: dict[str, Any]) -> VectorIndex:
        import faiss

        return cls(faiss.read_index(str(path)))

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        import faiss

        k = min(k, len(self))
        # One question on one thread: FAISS splitting a flat scan of 60k vectors over 2 cores took 9.4 ms
        # against 5.4 ms alone (IVF: the same). The setting is the calling thread's own (OpenMP).
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(query.reshape(1, -1).astype(np.float32), k)
        finally:
            faiss.omp_set_num_threads(threads)
        return ids[0], scores[0]


class FlatIndex(FaissIndex):
    """Exact search: every vector scored (FAISS `IndexFlatIP`)."""

    kind = "IndexFlatIP"

    @classmethod
    def build(cls, vectors: np.ndarray) -> VectorIndex:
        import faiss

        index = faiss.IndexFlatIP(vectors.shape[1])
        index.add(vectors)
        return cls(index)


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


BACKENDS: dict[str, type[VectorIndex]] = {backend.kind: backend for backend in (FlatIndex, IvfIndex)}


def ivf_lists(count: int) -> int:
    """Number of inverted lists for `count` vectors (about 4·√n, a power of two)."""
    return 2 ** round(math.log2(4 * math.sqrt(count)))


def build_vector_index(vectors: np.ndarray, ivf_threshold: int = IVF_THRESHOLD) -> VectorIndex:
    """The backend for this many vectors, built over them."""
    return (FlatIndex if len(vectors) < ivf_threshold else IvfIndex).build(vectors)


def open_vector_index(stem: Path, info: dict[str, Any]) -> VectorIndex:
    """The index a build saved at `stem` + its backend's suffix, described by the manifest's `info`."""
    backend = BACKENDS.get(info.get("type", FlatIndex.kind))
    if backend is None:
        raise ValueError(f"unknown vector index type {info.get('type')!r}")
    return backend.open(stem.with_suffix(backend.suffix), info)
