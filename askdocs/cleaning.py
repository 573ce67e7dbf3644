"""Text normalisation and the few rules that drop lines carrying no answer."""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_SPACES = re.compile(r"\s+")
# Whitespace that text_for_model would fold or strip: anything but single inner spaces.
_UNTIDY_SPACE = re.compile(r"^\s|\s$|\s\s|[^\S ]")
_WORD = re.compile(r"[^\W\d_]{2,}")
# "^ Enke, Oliver; ..." (Wikipedia back-links) or "↑ ..." start a reference-list entry.
_REFERENCE_MARK = re.compile(r"^\s*[\^↑]\s")
# Author lists ("Surname, A.; Surname, B.") followed by a year are bibliography entries.
_AUTHOR = re.compile(r"\b[A-Z][\w'-]+, (?:[A-Z]\.|[A-Z][a-z]+)")
_YEAR = re.compile(r"\((?:19|20)\d\d\)|\b(?:19|20)\d\d\b")
_BIB_MARKER = re.compile(r"\b(?:doi:|doi\.org|PMID|PMC\d|ISBN|ISSN|Retrieved \d|et al\.)", re.I)
_SENTENCE_END = re.compile(r"[.!?:;)\]\"']$")
# Inline citation markers such as [5] or [9][42]: noise for the model and the keyword index.
_CITATION_MARKS = re.compile(r"\[(?:\d+|citation needed)\]")


# Spacing accents that PDF text layers (TeX's above all) emit before the letter they belong on:
# "Universit¨at" is "Universität". Each maps to its combining mark.
_SPACING_ACCENTS = {
    "\u00a8": "\u0308",  # ¨ diaeresis
    "\u00b4": "\u0301",  # ´ acute
    "\u02c6": "\u0302",  # ˆ circumflex
    "\u02dc": "\u0303",  # ˜ tilde
    "\u00b8": "\u0327",  # ¸ cedilla
    "\u02c7": "\u030c",  # ˇ caron
    "\u02d8": "\u0306",  # ˘ breve
    "\u02da": "\u030a",  # ˚ ring
}
_ACCENT_BEFORE_LETTER = re.compile("([" + "".join(_SPACING_ACCENTS) + r"]) ?([^\W\d_])")
# ... or as a combining diaeresis after the consonant before its vowel ("Universit\u0308at"): no
# language writes a diaeresis on t, n or r before a vowel, so it belongs on the vowel.
_DIAERESIS_ON_CONSONANT = re.compile(r"([b-df-hj-np-tv-zB-DF-HJ-NP-TV-Z])\u0308([aeiouyAEIOUY])")


def _accent_on_letter(match: re.Match[str]) -> str:
    """The letter with the accent that preceded it, when the two compose to one character."""
    composed = unicodedata.normalize("NFC", match.group(2) + _SPACING_ACCENTS[match.group(1)])
    return composed if len(composed) == 1 else match.group(0)


def normalize(text: str) -> str:
    """Unicode composed (a spacing accent before its letter put on it, then NFC, then NFKC), invisible
    characters removed, runs of whitespace folded to one space."""
    # NFKC would turn a spacing accent into a space and a combining mark, which then lands on the
    # letter before it ("Universit¨at" -> "Universiẗat"); composing first keeps the word whole.
    text = _ACCENT_BEFORE_LETTER.sub(_accent_on_letter, text).replace("\u1e97", "t\u0308")
    text = _DIAERESIS_ON_CONSONANT.sub("\\1\\2\u0308", text)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFC", text)).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def without_accents(text: str) -> str:
    """The text with its accents taken off (NFKD, combining marks dropped): "café" reads "cafe"."""
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


def text_for_model(text: str) -> str:
    """What the embedder and keyword index see: the text without citation markers."""
    return _SPACES.sub(" ", _CITATION_MARKS.sub(" ", text)).strip()


def text_for_model_mapped(text: str) -> tuple[str, list[int]]:
    """`text_for_model(text)`, and for each of its characters the index it came from in `text`."""
    if not _CITATION_MARKS.search(text) and not _UNTIDY_SPACE.search(text):
        return text, list(range(len(text)))  # normalised text without markers: nothing moves
    masked = _CITATION_MARKS.sub(lambda match: " " * len(match.group()), text)
    out: list[str] = []
    where: list[int] = []
    space_before = False
    for index, char in enumerate(masked):
        if char.isspace():
            space_before = bool(out)
            continue
        if space_before:
            out.append(" ")
            where.append(index - 1)
            space_before = False
        out.append(char)
        where.append(index)
    return "".join(out), where


def is_short_fragment(line: str) -> bool:
    """Fewer than four words and no sentence punctuation: a marker ("BACK TO TEXT", "Share") when it
    repeats within a file, and a person's own note ("Door code 4512") when it does not."""
    return len(_WORD.findall(line)) < 4 and not _SENTENCE_END.search(line)


def drop_reason(line: str) -> str | None:
    """Why a normalised line carries no answer, or None to keep it.

    Being short is no reason: a short line is dropped only as a marker repeated within its file
    (`formats.base.Collector`), so a note of three words is indexed.
    """
    words = _WORD.findall(line)
    if not words:
        return "no words"
    if _REFERENCE_MARK.match(line):
        return "bibliography entry"
    if len(_AUTHOR.findall(line)) >= 2 and (_YEAR.search(line) or _BIB_MARKER.search(line)):
        return "bibliography entry"
    return None
