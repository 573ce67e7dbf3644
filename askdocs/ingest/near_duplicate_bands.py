"""Near-duplicate candidates from MinHash LSH bands, worked out in parts that run side by side.

MinHash LSH calls two passages candidates when their signatures agree on every value of at least one
band (a run of `r` of the 128 values). That is a property of each band alone, so the bands are split
between workers (`band_pairs`, one job per group of bands): each groups the passages by their values
in its bands and returns the pairs that share a group. The union of their pairs is exactly the
candidate set of datasketch's `MinHashLSH` with the same bands (taken from it: 25 bands of 5 for
Jaccard 0.5, and 42 of 3 among short passages for 0.25), whatever the order of insertion.
The candidates are then checked word by word (near_duplicates.py), also in parts by passage
(`check_pairs`); the caller only joins the pairs into groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@lru_cache(maxsize=2)
def band_ranges(threshold: float, permutations: int) -> tuple[tuple[int, int], ...]:
    """The (start, end) signature columns of each band of datasketch's LSH for `threshold`."""
    from datasketch import MinHashLSH

    return tuple(
        (int(start), int(end)) for start, end in MinHashLSH(threshold=threshold, num_perm=permutations).hashranges
    )


@dataclass(frozen=True)
class BandJob:
    """Some bands' columns of the signatures of some passages: `columns[:, a:b]` for each (a, b) in
    `bands`; `rows` the passages' numbers (ascending)."""

    columns: np.ndarray
    bands: tuple[tuple[int, int], ...]
    rows: np.ndarray
    count: int  # of all passages: a pair is coded later * count + earlier


def band_pairs(job: BandJob) -> np.ndarray:
    """The passage pairs that agree on all values of one of the job's bands, unique, each coded
    later * count + earlier (one int64: sorting and merging them is a 1-D sort)."""
    found = [np.zeros(0, dtype=np.int64)]
    for start, end in job.bands:
        block = np.ascontiguousarray(job.columns[:, start:end])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * (end - start)))).ravel()
        _, group, sizes = np.unique(keys, return_inverse=True, return_counts=True)
        shared = sizes[group] > 1
        if not shared.any():
            continue
        members, ids = np.flatnonzero(shared), group[shared]
        order = np.argsort(ids, kind="stable")  # members of a group stay ascending
        members, ids = members[order], ids[order]
        # Every pair within a group, without a loop over groups: the member at offset o of a group of
        # s pairs with the s - 1 - o members after it.
        starts = np.r_[0, np.flatnonzero(np.diff(ids)) + 1]
        group_sizes = np.diff(np.r_[starts, ids.size])
        offsets = np.arange(ids.size) - np.repeat(starts, group_sizes)
        after = np.repeat(group_sizes, group_sizes) - 1 - offsets
        first = np.repeat(np.arange(ids.size), after)
        second = first + 1 + np.arange(first.size) - np.repeat(np.cumsum(after) - after, after)
        found.append(job.rows[members[second]].astype(np.int64) * job.count + job.rows[members[first]])
    return np.unique(np.concatenate(found))


def band_jobs(
    signatures: np.ndarray, short: np.ndarray, threshold: float, short_threshold: float, parts: int
) -> list[BandJob]:
    """The LSH's bands over every passage and the short LSH's over the short ones, in `parts` jobs each."""
    permutations = signatures.shape[1]
    jobs = []
    everyone = np.arange(len(signatures))
    for rows, threshold_here in ((everyone, threshold), (np.flatnonzero(short), short_threshold)):
        if rows.size < 2:
            continue
        ranges = band_ranges(threshold_here, permutations)
        for group in np.array_split(np.arange(len(ranges)), min(parts, len(ranges))):
            chosen = [ranges[b] for b in group.tolist()]
            first, last = chosen[0][0], chosen[-1][1]
            block = signatures[:, first:last] if rows is everyone else signatures[rows, first:last]
            jobs.append(BandJob(block, tuple((a - first, b - first) for a, b in chosen), rows, len(signatures)))
    return jobs


def candidate_pairs(jobs_pairs: list[np.ndarray], count: int) -> np.ndarray:
    """The union of the jobs' pairs as (earlier, later) rows, sorted by later passage then earlier."""
    codes = np.unique(np.concatenate([np.zeros(0, dtype=np.int64), *jobs_pairs]))
    return np.stack([codes % max(count, 1), codes // max(count, 1)], axis=1)
