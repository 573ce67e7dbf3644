"""A question made only of filters (`type:pdf after:2024-01-01`): the matching documents' passages,
listed in a stable order (by file name, then each file's reading order), not ranked."""

from __future__ import annotations

import numpy as np

from askdocs.index.loaded import LoadedIndex
from askdocs.records import Hit
from askdocs.search.filters import passage_kept
from askdocs.search.query import ParsedQuery


def listed_hits(index: LoadedIndex, parsed: ParsedQuery, within: np.ndarray | None, k: int) -> list[Hit]:
    """The first `k` passages of the files left by the filters that pass the phrase and exclusion
    checks, each as its first chunk, scored 0."""
    ordered = index.passages_in_reading_order()
    if within is not None:
        ordered = ordered[np.isin(ordered, index.chunk_passages[within])]
    _, first = np.unique(ordered, return_index=True)
    hits: list[Hit] = []
    for pid in ordered[np.sort(first)].tolist():
        if not passage_kept(index.passages[pid].text, parsed):
            continue
        chunk_id = int(index.chunks_of_passages(np.asarray([pid]))[0])
        chunk = index.chunks[chunk_id]
        hits.append(Hit(index.chunk_text(chunk_id), 0.0, list(chunk.citations), passage_id=pid, chunk_id=chunk_id))
        if len(hits) >= k:
            break
    return hits
