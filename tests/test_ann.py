"""The dense vector index: backends chosen by size, saved and opened as the manifest describes them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from askdocs.index.ann import BACKENDS, FlatIndex, IvfIndex, build_vector_index, open_vector_index


def unit_vectors(count: int, dimension: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(count, dimension)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def nearest(vectors: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    """The exact answer, worked out without FAISS."""
    return np.argsort(-(vectors @ query), kind="stable")[:k].tolist()


def test_flat_index_saved_and_opened_finds_the_same_ids(tmp_path: Path) -> None:
    vectors = unit_vectors(20, 8)
    index = build_vector_index(vectors)
    assert isinstance(index, FlatIndex) and len(index) == 20
    assert index.describe() == {"type": FlatIndex.kind, "vectors": 20}
    stem = tmp_path / "vectors"
    index.save(stem.with_suffix(index.suffix))
    opened = open_vector_index(stem, index.describe())
    assert isinstance(opened, FlatIndex) and len(opened) == 20
    for query in vectors[:5]:
        ids, scores = opened.search(query, 4)
        assert ids.tolist() == index.search(query, 4)[0].tolist() == nearest(vectors, query, 4)
        np.testing.assert_allclose(scores, vectors[ids] @ query, atol=1e-5)
    ids, _ = opened.search(vectors[0], 50)  # more than it holds
    assert sorted(ids.tolist()) == list(range(20))


def test_unknown_vector_index_type_is_refused(tmp_path: Path) -> None:
    assert set(BACKENDS) == {FlatIndex.kind, IvfIndex.kind}
    with pytest.raises(ValueError, match="unknown vector index type 'IndexHNSWFlat'"):
        open_vector_index(tmp_path / "vectors", {"type": "IndexHNSWFlat", "vectors": 3})


def test_ivf_is_chosen_above_the_threshold_and_reopens_with_its_parameters(tmp_path: Path) -> None:
    vectors = unit_vectors(300, 16)
    assert isinstance(build_vector_index(vectors, ivf_threshold=301), FlatIndex)
    index = build_vector_index(vectors, ivf_threshold=300)
    assert isinstance(index, IvfIndex) and len(index) == 300
    info = index.describe()
    assert info["type"] == IvfIndex.kind and info["nlist"] > 1 and info["nprobe"] > 0
    stem = tmp_path / "vectors"
    index.save(stem.with_suffix(index.suffix))
    opened = open_vector_index(stem, {**info, "nprobe": 1})
    assert isinstance(opened, IvfIndex) and opened.describe() == {**info, "nprobe": 1}


def test_large_corpora_get_an_ivf_index_with_high_recall() -> None:
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(200, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 200, 20_000)] + 0.3 * rng.normal(size=(20_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = build_vector_index(vectors, ivf_threshold=10_000)
    info = index.describe()
    assert isinstance(index, IvfIndex) and info["type"] == "IndexIVFScalarQuantizer" and info["nprobe"] > 0
    recall = 0.0
    for query in vectors[:50]:
        found, _ = index.search(query, 10)
        recall += len(set(found.tolist()) & set(nearest(vectors, query, 10))) / 10
    assert recall / 50 >= 0.95
