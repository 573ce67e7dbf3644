"""The cited passage in its section, for every format read as running text (HTML, Markdown, text,
RTF, EPUB, Word, OpenDocument text, slides, records): built from the index's own passages, in the
file's reading order, so opening one costs a lookup, not a parse of the file.

A section is the run of passages around the cited one that share its heading path (and chapter or
page); a slide is all of its passages (title, body, notes). A file without headings shows the
neighbouring passages instead.
"""

from __future__ import annotations

from askdocs.index.loaded import LoadedIndex
from askdocs.records import Citation
from askdocs.serve.presentation import citation_label
from askdocs.serve.viewer.marking import find_sentence
from askdocs.serve.viewer.places import citation_in, locate
from askdocs.serve.viewer.views import Block, TextView

# Passages of a section shown before and after the cited one, at most (a long chapter is cut).
MAX_BEFORE = 20
MAX_AFTER = 20
# Of those before, the ones shown open; earlier ones are folded away, so the cited one is in view.
SHOWN_BEFORE = 2
# A file without headings: the neighbours shown either side.
NEIGHBOURS = 3
# A section shorter than this is shown with its neighbours' passages (and their headings) around it.
MIN_BLOCKS = 3


def text_view(index: LoadedIndex, citation: Citation, mark: str | None, passage_id: int | None = None) -> TextView:
    """The view of the passage `citation` names, in its section, with `mark` marked in it."""
    source = citation.source
    ids = index.source_passages(source)
    at = locate(index, ids, citation, mark, passage_id)
    # Only the passages that can be shown are read: the section's reach either side.
    low = max(0, at - MAX_BEFORE)
    window = [(int(pid), citation_in(index, int(pid), source)) for pid in ids[low : at + MAX_AFTER + 1]]
    first, last = _section(window, at - low)
    earlier = max(0, at - low - first - SHOWN_BEFORE)
    blocks = []
    previous: str | None = None
    for position in range(first, last + 1):
        pid, cited = window[position]
        text = index.passages[pid].text
        # The heading where it changes, and over the first passage shown unfolded.
        heading = cited.section if cited.section != previous or position == first + earlier else None
        previous = cited.section
        is_cited = position == at - low
        blocks.append(Block(text, is_cited, find_sentence(text, mark) if mark and is_cited else None, heading))
    return TextView(source, citation_label(window[at - low][1]), tuple(blocks), earlier=earlier)


def _unit(citation: Citation) -> tuple[object, ...] | None:
    """What the passages of one section share; None for a file without sections."""
    if citation.slide is not None:
        return ("slide", citation.slide)
    if citation.section is None and citation.chapter is None:
        return None
    return (citation.chapter, citation.page, citation.section)


def _section(places: list[tuple[int, Citation]], at: int) -> tuple[int, int]:
    """The first and last positions shown around position `at` (a window reaching MAX_BEFORE/AFTER)."""
    unit = _unit(places[at][1])
    if unit is None:
        return max(0, at - NEIGHBOURS), min(len(places) - 1, at + NEIGHBOURS)
    first = at
    while first > 0 and _unit(places[first - 1][1]) == unit:
        first -= 1
    last = at
    while last < len(places) - 1 and _unit(places[last + 1][1]) == unit:
        last += 1
    # A slide is shown whole and alone; a short section with its neighbours.
    while unit[0] != "slide" and last - first + 1 < MIN_BLOCKS and (first > 0 or last < len(places) - 1):
        first, last = max(0, first - 1), min(len(places) - 1, last + 1)
    return first, last
