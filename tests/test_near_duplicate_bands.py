"""LSH bands in parts (ingest/near_duplicate_bands.py): the candidates are datasketch's, however the
bands are split, in this process or on Ray workers."""

from __future__ import annotations

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from askdocs.ingest.near_duplicate_bands import BandJob, band_jobs, band_pairs, candidate_pairs
from askdocs.ingest.near_duplicates import SHORT_CHARS, near_duplicate_pairs

WORDS = "pump warranty covers five years the seal and motor for of any part a tablet dose".split()


def _texts(count: int, seed: int = 3) -> list[str]:
    """Random texts, every fourth a copy of an earlier one with one word changed, some short."""
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    for i in range(count):
        if i % 4 == 3:
            words = texts[int(rng.integers(0, i))].split()
            words[int(rng.integers(0, len(words)))] = "changed"
            texts.append(" ".join(words))
        else:
            texts.append(" ".join(rng.choice(WORDS, size=int(rng.integers(8, 120)))))
    return texts


def test_one_band_pairs_the_rows_that_agree_on_it() -> None:
    columns = np.asarray([[1, 2, 9], [1, 2, 8], [1, 3, 9]], dtype=np.uint32)
    job = BandJob(columns, ((0, 2), (2, 3)), np.asarray([10, 11, 12]), 100)
    pairs = candidate_pairs([band_pairs(job)], 100)
    assert pairs.tolist() == [[10, 11], [10, 12]]  # rows 10, 11 share band 0; rows 10, 12 share band 1


def test_the_candidates_are_datasketchs_however_the_bands_are_split() -> None:
    from askdocs.ingest.near_duplicates import compute_signatures

    texts = _texts(300)
    signatures = compute_signatures(texts)
    short = np.asarray([len(t) <= SHORT_CHARS for t in texts])
    expected = set()
    lsh, short_lsh = MinHashLSH(threshold=0.5, num_perm=128), MinHashLSH(threshold=0.25, num_perm=128)
    scheme = str(MinHash(num_perm=128).scheme)
    for i, row in enumerate(signatures):
        minhash = LeanMinHash(seed=1, hashvalues=row, scheme=scheme)
        found = set(lsh.query(minhash)) | (set(short_lsh.query(minhash)) if short[i] else set())
        expected |= {(j, i) for j in found}
        lsh.insert(i, minhash)
        if short[i]:
            short_lsh.insert(i, minhash)
    assert len(expected) > 50
    for parts in (1, 3, 7):
        jobs = band_jobs(signatures, short, 0.5, 0.25, parts)
        assert {tuple(p) for p in candidate_pairs([band_pairs(j) for j in jobs], len(texts)).tolist()} == expected


def test_partitioned_near_duplicates_on_ray_workers_are_the_same_pairs() -> None:
    from askdocs.ingest.ray_executor import RayExecutor
    from askdocs.ray_session import ray_session

    texts = _texts(200, seed=5)
    local = near_duplicate_pairs(texts, 0.7)
    assert len(local) >= 20
    assert near_duplicate_pairs(texts, 0.7, parts=3) == local
    with ray_session("local:2"):
        executor = RayExecutor(2)
        assert near_duplicate_pairs(texts, 0.7, each=executor.each, parts=2) == local
