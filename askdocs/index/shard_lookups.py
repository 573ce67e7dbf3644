"""The reading order of a sharded build, merged from its shards' own: no passage read but those of a
file whose passages lie in more than one shard.

`reading_order` sorts every citation by (source, page or slide or chapter, line or paragraph, passage id).
A file's passages normally all live in its shard (`shards.shard_of`), and within one shard that order is
the global one, because a shard's passage ids are numbered on by a constant. Only a file cited by a
passage of another shard (an exact or near duplicate merged there) has rows in several shards; those
few are put in order again from their citations. Reading every passage instead took minutes at load
for a 2M-chunk index.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from askdocs.index.build_folder import reading_order
from askdocs.records import Citation


def merged_reading_order(
    parts: list[tuple[list[str], np.ndarray]],
    passage_offsets: list[int],
    citations_of: Callable[[list[int]], list[Sequence[Citation]]],
) -> tuple[list[str], np.ndarray]:
    """Every source of the shards, sorted, and (source number, passage id) rows as `reading_order` gives
    them for the whole build; `parts` holds each shard's own (sources, rows), `citations_of` the citations
    of passages by their ids over all shards."""
    sources = sorted({source for names, _ in parts for source in names})
    number = {source: at for at, source in enumerate(sources)}
    numbers, passages, ranks = [], [], []
    for (names, order), offset in zip(parts, passage_offsets):
        remap = np.asarray([number[name] for name in names] or [0], dtype=np.int64)
        numbers.append(remap[order[:, 0]])
        passages.append(order[:, 1] + offset)
        ranks.append(np.arange(len(order), dtype=np.int64))
    if not numbers:
        return sources, np.zeros((0, 2), dtype=np.int64)
    source_ids, passage_ids, rank = np.concatenate(numbers), np.concatenate(passages), np.concatenate(ranks)
    shard_of_row = np.concatenate([np.full(len(order), at) for at, (_, order) in enumerate(parts)])
    # The sources with rows in more than one shard: their rows ranked again from their citations.
    pairs = np.unique(np.stack([source_ids, shard_of_row]), axis=1)
    spread, counts = np.unique(pairs[0], return_counts=True)
    for source_id in spread[counts > 1].tolist():
        rows = np.flatnonzero(source_ids == source_id)
        # A passage citing the file twice has two rows, in one shard: each of its citations gives one.
        cited_ids = np.unique(passage_ids[rows])
        name = sources[source_id]
        cited = [[c for c in citations if c.source == name] for citations in citations_of(cited_ids.tolist())]
        _, local = reading_order(cited)  # its passage ids are positions in `cited_ids`, ascending like them
        passage_ids[rows] = cited_ids[local[:, 1]]
        rank[rows] = np.arange(len(rows))
    ordered = np.lexsort((rank, source_ids))
    return sources, np.stack([source_ids[ordered], passage_ids[ordered]], axis=1).astype(np.int64)
