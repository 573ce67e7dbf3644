"""A question asked of every library at once ("all" on the page, `lib=all` in the HTTP API), its hits merged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from askdocs.records import Hit
from askdocs.search.searcher import Searcher


class LibraryHit(NamedTuple):
    """One hit of a search over several libraries: the library's name, its searcher and the hit."""

    library: str
    searcher: Searcher
    hit: Hit


def search_all(searchers: Mapping[str, Searcher], question: str, k: int, mode: str = "hybrid") -> list[LibraryHit]:
    """The `k` best hits of every library's searcher (by library name): answers first, then by score."""
    found = [
        LibraryHit(name, searcher, hit)
        for name, searcher in searchers.items()
        for hit in searcher.search(question, k=k, mode=mode)
    ]
    # Answers before weak matches, as within one library; then by score (each library's own scale).
    # The sort is stable: equal hits keep the libraries' order.
    found.sort(key=lambda found_hit: (not found_hit.hit.confident, -found_hit.hit.score))
    return found[:k]
