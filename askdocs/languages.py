"""Languages: which one a text is in, a library's mix, and the model and keyword rules each one needs.

Detection is py3langid's (langid.py's Naive Bayes over byte n-grams; its model ships in the wheel):
0.36 ms for 2,000 characters, so every document is detected as it is read. A library's mix is the share
of its characters in each language; it decides the model (`model_for`) and the keyword index's
stemmers and stop words (`index/keyword_analysis.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache

from askdocs.settings import DEFAULT_MODEL, MULTILINGUAL_MODEL

# Characters read to tell a document's language: enough for a sure answer, cheap on a long book.
SAMPLE_CHARACTERS = 4000
# Fewer letters than this and a text has no language worth deciding on (a table of numbers, a title).
MIN_LETTERS = 40
# The share of a library's characters in languages other than English from which it gets the
# multilingual model. English documents misdetected as another language stayed under 1% of the
# characters of every English dev set (docs/languages.md), so 5% means real text in another language.
OTHER_LANGUAGES_SHARE = 0.05
# ... and keeps it while at least this share is: a library near the line does not switch models (and
# embed everything again) at every edit.
KEEP_MULTILINGUAL_SHARE = 0.025
# A language holding at least this share of the characters gets its stemmer and stop words in the keyword index.
KEYWORD_LANGUAGE_SHARE = 0.02

NAMES = {
    "ar": "Arabic", "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish",
    "fa": "Persian", "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "nl": "Dutch", "no": "Norwegian",
    "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sv": "Swedish", "tr": "Turkish",
    "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
# Text in these is written without spaces between words: the keyword index reads it as character pairs.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\uff66-\uff9f]")
_LETTERS = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _classify() -> Callable[[str], tuple[str, float]]:
    import py3langid

    return py3langid.classify  # type: ignore[no-any-return]


def detect_language(text: str) -> str:
    """The ISO 639-1 code of the text's language, or "" when it has too few letters to tell."""
    sample = text[:SAMPLE_CHARACTERS]
    if len(_LETTERS.findall(sample)) < MIN_LETTERS:
        return ""
    return str(_classify()(sample)[0])


def language_shares(texts: Iterable[tuple[str, int]]) -> dict[str, float]:
    """Each language's share of the characters, from (language, characters) pairs; undetected text left out."""
    totals: dict[str, int] = {}
    for language, characters in texts:
        if language:
            totals[language] = totals.get(language, 0) + characters
    whole = sum(totals.values())
    ordered = sorted(totals.items(), key=lambda item: -item[1])
    return {language: round(count / whole, 4) for language, count in ordered} if whole else {}


def model_for(shares: dict[str, float], current: str = "") -> str:
    """The model a library with this language mix gets (English alone keeps all-MiniLM-L6-v2), given
    the model its live build has (`current`)."""
    other = sum(share for language, share in shares.items() if language != "en")
    needed = KEEP_MULTILINGUAL_SHARE if current == MULTILINGUAL_MODEL else OTHER_LANGUAGES_SHARE
    return MULTILINGUAL_MODEL if other >= needed else DEFAULT_MODEL


def keyword_languages(shares: dict[str, float]) -> list[str]:
    """The languages whose stemmer and stop words the keyword index applies (English when none is known)."""
    chosen = [language for language, share in shares.items() if share >= KEYWORD_LANGUAGE_SHARE]
    return chosen or ["en"]


def describe(shares: dict[str, float], limit: int = 4) -> str:
    """A mix for people: "German 70%, French 30%"."""
    parts = [f"{NAMES.get(language, language)} {share:.0%}" for language, share in list(shares.items())[:limit]]
    return ", ".join(parts) if parts else "not detected"


def has_cjk(text: str) -> bool:
    """Whether the text holds Chinese, Japanese or Korean characters."""
    return _CJK.search(text) is not None


def cjk_pattern() -> re.Pattern[str]:
    """The pattern of one Chinese, Japanese or Korean character."""
    return _CJK
