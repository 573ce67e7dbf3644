"""Finding a sentence in a document's own text, whatever the index made of its spaces, case,
punctuation and line-end hyphens: both are compared by their letters and digits only."""

from __future__ import annotations

import unicodedata
from typing import Any

# A box (an OCR line) shorter than this is marked only when the whole sentence is inside it: three
# or four letters ("the", "2024") occur inside most sentences by chance.
MIN_OVERLAP = 6
_CLOSING = ".!?…:;\"')]»”’"


def folded(text: str) -> tuple[str, list[int]]:
    """The text's letters and digits, case folded (NFKC), with the index in `text` each came from."""
    letters: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKC", char).casefold():
            if part.isalnum():
                letters.append(part)
                where.append(index)
    return "".join(letters), where


def letters_span(text: str, sentence: str) -> tuple[int, int] | None:
    """The indices in `text` of the first and the last letter or digit of `sentence`, compared by
    letters and digits only; None when absent."""
    haystack, where = folded(text)
    wanted, _ = folded(sentence)
    at = haystack.find(wanted) if wanted else -1
    if at < 0:
        return None
    return where[at], where[at + len(wanted) - 1]


def find_sentence(text: str, sentence: str) -> tuple[int, int] | None:
    """The character span of `sentence` in `text`, compared by letters and digits; None when absent."""
    found = letters_span(text, sentence)
    if found is None:
        return None
    start, end = found[0], found[1] + 1
    # The sentence's closing punctuation, where the text has the same: marked with it.
    closing = sentence.rstrip()[len(sentence.rstrip().rstrip(_CLOSING)) :]
    if closing and text.startswith(closing, end):
        end += len(closing)
    return start, end


def lines_holding(lines: list[Any], sentence: str, min_confidence: float) -> list[Any]:
    """The OCR lines (anything with `text` and `confidence`) read with at least `min_confidence` that
    hold part of `sentence` (see `boxes_holding`)."""
    kept = [line for line in lines if line.confidence >= min_confidence]
    return [kept[i] for i in boxes_holding([line.text for line in kept], sentence)]


def boxes_holding(texts: list[str], sentence: str) -> list[int]:
    """The indices of the text boxes (OCR lines) that hold part of `sentence`.

    A box is marked when it lies inside the sentence, holds all of it, or overlaps its start or its
    end by at least `MIN_OVERLAP` letters: a sentence read over three lines starts inside the first
    and ends inside the last.
    """
    wanted, _ = folded(sentence)
    if not wanted:
        return []
    marked = []
    for index, text in enumerate(texts):
        box, _ = folded(text)
        if not box:
            continue
        if (
            wanted in box
            or (box in wanted and len(box) >= min(MIN_OVERLAP, len(wanted)))
            or _overlap(box, wanted) >= MIN_OVERLAP
            or _overlap(wanted, box) >= MIN_OVERLAP
        ):
            marked.append(index)
    return marked


def _overlap(first: str, second: str) -> int:
    """How many letters at the end of `first` begin `second`."""
    for size in range(min(len(first), len(second)), 0, -1):
        if first.endswith(second[:size]):
            return size
    return 0
