"""What a question's operators leave to search (see `query`): the documents its type, folder, file and
date filters keep, the passages that can hold its phrases, and the check each hit must pass.

Filters are decided per document (a handful of comparisons per file, not per chunk), then turned into
the chunk ids searched within, exactly (retrieval.py), so a filter keeping 1 % of the index loses
nothing an approximate index would miss. A phrase first narrows to the passages holding every one of
its indexed words (the keyword index's postings, read per word, accent-folded), then each hit is
checked on its passage's stored text: across the model's chunk boundaries, line ends and hyphens the
ingest joined. Exclusions are checked on the hits only.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from askdocs.errors import IndexMismatchError, rebuild_hint
from askdocs.index.loaded import LoadedIndex
from askdocs.search.query import ParsedQuery
from askdocs.search.source_table import UNDATED, SourceTable
from askdocs.search.text_match import holds


def kept_sources(table: SourceTable, parsed: ParsedQuery, sources: Collection[str] | None) -> list[str]:
    """The library's files the filters (and `sources`, when given) keep."""
    index = table.index
    kept = np.ones(len(table.sources), dtype=bool)
    if sources is not None:
        kept &= np.isin(table.sources, list(sources))
    if parsed.types:
        kept &= table.of_format(parsed.types)
    if parsed.folders:
        kept &= table.in_folder(parsed.folders)
    if parsed.files:
        kept &= table.named(parsed.files)
    if parsed.after or parsed.before:
        # One ingest dates every file: a build with none dated was made before dates were recorded.
        if not np.any(table.days() != UNDATED):
            raise IndexMismatchError(
                "this index records no document dates, so after: and before: cannot apply: "
                f"{rebuild_hint(index.index_dir)} (nothing is embedded again)"
            )
        kept &= table.dated(parsed.after, parsed.before)
    return [str(source) for source in table.sources[kept]]


def phrase_passages(index: LoadedIndex, phrase: str) -> np.ndarray | None:
    """The passages holding every indexed word of `phrase` (a superset of those holding the phrase),
    ascending; None when it has no indexed word (stopwords or symbols only: any passage may hold it).

    The rarest word's passages first, each other word then checked by a binary search in its own
    (chunk ids ascending give passage ids ascending): no hashing of a common word's long list.
    """
    words = sorted(index.keywords.folded_words(phrase), key=len)
    if not words:
        return None
    found = _distinct(index.chunk_passages[words[0]])
    for chunks in words[1:]:
        if not found.size:
            break
        holding = index.chunk_passages[chunks]
        at = np.minimum(np.searchsorted(holding, found), max(holding.size - 1, 0))
        found = found[holding[at] == found] if holding.size else found[:0]
    return found


def _distinct(ascending: np.ndarray) -> np.ndarray:
    """The distinct values of an ascending array."""
    if not ascending.size:
        return ascending
    return ascending[np.concatenate(([True], ascending[1:] != ascending[:-1]))]


def searched_chunks(table: SourceTable, parsed: ParsedQuery, sources: Collection[str] | None) -> np.ndarray | None:
    """The chunk ids to search within, ascending; None for the whole index."""
    index = table.index
    passages: np.ndarray | None = None
    if parsed.has_filters or sources is not None:
        passages = np.flatnonzero(index.passages_citing(kept_sources(table, parsed, sources)))
    for phrase in parsed.phrases:
        holding = phrase_passages(index, phrase)
        if holding is not None:
            passages = holding if passages is None else np.intersect1d(passages, holding, assume_unique=True)
        if passages is not None and not passages.size:
            break
    if passages is None:
        return None
    return index.chunks_of_passages(passages)


def passage_kept(text: str, parsed: ParsedQuery) -> bool:
    """Whether a passage's text holds every phrase and none of the excluded words and phrases."""
    return all(holds(text, phrase) for phrase in parsed.phrases) and not any(
        holds(text, word) for word in parsed.excluded
    )
