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


def normalize(text: str) -> str:
    """NFKC, invisible characters removed, runs of whitespace folded to one space."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


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


def drop_reason(line: str) -> str | None:
    """Why a normalised line carries no answer, or None to keep it."""
    words = _WORD.findall(line)
    if not words:
        return "no words"
    # Short lines without sentence punctuation are menus and markers ("BACK TO TEXT", "Share").
    if len(words) < 4 and not _SENTENCE_END.search(line):
        return "navigation fragment"
    if _REFERENCE_MARK.match(line):
        return "bibliography entry"
    if len(_AUTHOR.findall(line)) >= 2 and (_YEAR.search(line) or _BIB_MARKER.search(line)):
        return "bibliography entry"
    return None
