"""The dense vector index: a class per backend behind `VectorIndex`, chosen by corpus size.

Up to `IVF_THRESHOLD` vectors an exact `FlatIndex` is fast enough. Above it, `IvfIndex` (an
inverted file with 8-bit scalar-quantised vectors) holds a quarter of the memory and scans only
`nprobe` of its lists; either proposes candidates only, because the search re-scores every
candidate exactly from the memory-mapped float32 chunk vectors. A new backend is one module here
(a `VectorIndex` subclass, see `base.py`) plus one entry in `BACKENDS`; the manifest records its `describe()`, which `open_vector_index` reads back.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from askdocs.index.ann.base import FaissIndex, VectorIndex
from askdocs.index.ann.flat import FlatIndex
from askdocs.index.ann.ivf import NPROBE, IvfIndex, ivf_lists

IVF_THRESHOLD = 100_000

BACKENDS: dict[str, type[VectorIndex]] = {backend.kind: backend for backend in (FlatIndex, IvfIndex)}


def build_vector_index(vectors: np.ndarray, ivf_threshold: int = IVF_THRESHOLD) -> VectorIndex:
    """The backend for this many vectors, built over them."""
    return (FlatIndex if len(vectors) < ivf_threshold else IvfIndex).build(vectors)


def open_vector_index(stem: Path, info: dict[str, Any]) -> VectorIndex:
    """The index a build saved at `stem` + its backend's suffix, described by the manifest's `info`."""
    backend = BACKENDS.get(info.get("type", FlatIndex.kind))
    if backend is None:
        raise ValueError(f"unknown vector index type {info.get('type')!r}")
    return backend.open(stem.with_suffix(backend.suffix), info)


__all__ = [
    "BACKENDS",
    "IVF_THRESHOLD",
    "NPROBE",
    "FaissIndex",
    "FlatIndex",
    "IvfIndex",
    "VectorIndex",
    "build_vector_index",
    "ivf_lists",
    "open_vector_index",
]
