"""The cited place a view opens at: a source's passages in reading order (the index's own lookup),
and which of them a citation names (by its page, slide, chapter, sheet, row, paragraph, line, record
id or anchor). A hit's own passage is found by its id without reading the others, so opening it costs
the same in a file of ten passages or ten thousand."""

from __future__ import annotations

import numpy as np

from askdocs.index.loaded import LoadedIndex
from askdocs.records import Citation
from askdocs.serve.viewer.marking import find_sentence
from askdocs.serve.viewer.views import ViewUnavailableError

# The fields that say where in a file a passage is; a citation's set ones must all match.
PLACE_FIELDS = ("page", "slide", "chapter", "sheet", "row", "paragraph", "line", "doc_id", "anchor")


class PlaceNotFoundError(ViewUnavailableError):
    """A citation that names no place of the live build (its file changed, or it was never cited)."""


def citation_in(index: LoadedIndex, passage_id: int, source: str) -> Citation:
    """The passage's (first) citation of `source`."""
    return next(c for c in index.passages[passage_id].citations if c.source == source)


def _matches(cited: Citation, wanted: dict[str, object]) -> bool:
    return all(getattr(cited, name) == value for name, value in wanted.items())


def locate(index: LoadedIndex, ids: np.ndarray, citation: Citation, mark: str | None, passage_id: int | None) -> int:
    """The position in `ids` (the source's passages in reading order) of the place `citation` names:
    the passage `passage_id` (a hit's own) when it is there, else of the passages matching the
    citation the first holding `mark`, else the first."""
    wanted = {name: value for name in PLACE_FIELDS if (value := getattr(citation, name)) is not None}
    occurrences = np.flatnonzero(ids == passage_id) if passage_id is not None else ids[:0]
    if occurrences.size and _matches(citation_in(index, int(passage_id), citation.source), wanted):  # type: ignore[arg-type]
        return int(occurrences[0])
    matching = [at for at, pid in enumerate(ids.tolist()) if _matches(citation_in(index, pid, citation.source), wanted)]
    if not matching:
        raise PlaceNotFoundError(
            f"'{citation.source}' has no such cited place in the live index (it may have changed): search again"
        )
    if mark:
        for at in matching:
            if find_sentence(index.passages[int(ids[at])].text, mark):
                return at
    return matching[0]
