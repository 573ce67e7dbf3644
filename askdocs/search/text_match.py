"""Whether a passage's text (as stored, normalised) holds a phrase or a word: compared case-, accent-
and spacing-insensitively, on word boundaries, with `...` in a phrase standing for any gap."""

from __future__ import annotations

import re
from functools import lru_cache

from askdocs.cleaning import without_accents
from askdocs.languages import has_cjk
from askdocs.search.query import GAP

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case (casefold), accents removed, every run of spaces or line ends one space."""
    if text.isascii():
        # Most passages: no accents to remove, and casefold is lower (a tenth of the time).
        return _SPACES.sub(" ", text.lower()).strip()
    return _SPACES.sub(" ", without_accents(text).casefold()).strip()


@lru_cache(maxsize=256)
def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """The folded phrase as a pattern: its parts in order, each starting and ending on a word boundary
    where it starts or ends with a letter or digit."""
    parts = [fold(part) for part in GAP.split(phrase) if fold(part)]
    pieces = []
    for part in parts:
        # CJK text has no spaces between words: a phrase in it starts and ends anywhere.
        start = r"(?<!\w)" if part[0].isalnum() and not has_cjk(part[0]) else ""
        end = r"(?!\w)" if part[-1].isalnum() and not has_cjk(part[-1]) else ""
        pieces.append(start + re.escape(part).replace(r"\ ", " ") + end)
    return re.compile(".*?".join(pieces), re.DOTALL)


def holds(text: str, phrase: str) -> bool:
    """Whether `text` holds `phrase` (a word is a phrase of one word)."""
    return phrase_pattern(phrase).search(fold(text)) is not None
