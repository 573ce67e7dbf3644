"""askdocs/vectors.py: passage vectors from chunk vectors."""

from __future__ import annotations

import numpy as np

from askdocs.vectors import passage_vectors


def test_passage_vectors_are_unit_means_of_their_chunks_in_any_order() -> None:
    chunks = np.array([[3.0, 0.0], [0.0, 2.0], [1.0, 3.0], [0.0, 5.0]], dtype=np.float32)
    owners = np.array([2, 0, 2, 0])
    vectors = passage_vectors(chunks, owners, passages=3)
    np.testing.assert_allclose(vectors, [[0.0, 1.0], [0.0, 0.0], [0.8, 0.6]], atol=1e-6)
    assert passage_vectors(chunks[:0], owners[:0], passages=2).shape == (2, 2)
