"""The words near-duplicates are judged by: normalised words, and the critical ones whose change
changes what a passage says (docs/near-duplicates.md)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

_TOKEN = re.compile(r"\w+")
# Navigation left around a paragraph by the page it was copied from.
MARKERS = tuple(tuple(marker.split()) for marker in ("back to text", "back to top", "return to top", "top of page"))
# Words whose change changes what a passage says, even where its embedding barely moves: numbers,
# negations, units and frequencies, comparisons and directions. (Softer quantifiers such as "many",
# "most", "usually" are left out: rewording changes them, see docs/near-duplicates.md.)
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion half quarter once twice double triple dozen first second third fourth fifth".split()
)
# "t" is what the tokenizer leaves of "n't" (don't -> don t).
_NEGATIONS = frozenset("not no non never none nor neither without cannot nothing nobody nowhere t".split())
_UNITS = frozenset(
    "mg mcg µg ug g kg ml l mmol iu percent minute minutes hour hours day days week weeks month months "
    "year years daily weekly monthly yearly".split()
)
_DIRECTIONS = frozenset(
    "more less fewer higher lower greater smaller increase increases increased decrease decreases decreased "
    "before after above below maximum minimum left right".split()
)
# Roman numerals from ii (type II) to xxxix; a lone "i" is read as the pronoun.
_ROMAN = frozenset(
    tens + ones
    for tens in ("", "x", "xx", "xxx")
    for ones in ("", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix")
    if tens + ones not in ("", "i")
)
_CRITICAL = _NUMBER_WORDS | _NEGATIONS | _UNITS | _DIRECTIONS | _ROMAN
# Number words read as the digits they stand for, so "ten days" and "10 days" say the same number
# (issue #25: a copy that spelled one out was not merged) while "ten" and "12" still differ.
_UNITS_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_NUMBER_VALUES = {
    word: str(value) for value, word in enumerate((_UNITS_WORDS + " seventeen eighteen nineteen").split())
}
_NUMBER_VALUES.update(
    {
        word: str(10 * tens)
        for tens, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
    }
)
_NUMBER_VALUES.update({"hundred": "100", "thousand": "1000"})


def normal_words(text: str) -> list[str]:
    """The words a near-duplicate is judged by: case, punctuation and dashes folded, end markers
    dropped, number words read as digits."""
    words = [_NUMBER_VALUES.get(word, word) for word in _TOKEN.findall(text.casefold())]
    start, end = 0, len(words)
    trimmed = True
    while trimmed:
        trimmed = False
        for marker in MARKERS:
            size = len(marker)
            if end - start >= size and tuple(words[start : start + size]) == marker:
                start, trimmed = start + size, True
            if end - start >= size and tuple(words[end - size : end]) == marker:
                end, trimmed = end - size, True
    return words[start:end]


def is_critical(word: str) -> bool:
    """True for a word whose change changes what is said: a number, negation, unit, comparison or direction."""
    return word in _CRITICAL or not word.isalpha()  # a \w+ word that is not all letters holds a digit


def critical_words(words: Sequence[str]) -> Counter[str]:
    """How often each critical word (`is_critical`) occurs."""
    return Counter(word for word in words if is_critical(word))
