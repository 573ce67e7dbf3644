"""How text becomes keyword-index words, per language: stop words, a stemmer, and character pairs for CJK.

A passage is read by the rules of its document's language (a language the index was not built for
falls back to the library's main one); a question, whose language is not known, by the rules of
every language of the index, its words pooled. English text gives exactly the words it gave before
languages were told apart (bm25s's pattern, the `en_plus` stop words, the Snowball English stemmer),
so English libraries keep their figures.

Chinese and Japanese are written without spaces and Korean words carry their particles: runs of
those characters are read as overlapping character pairs (a run of one as itself), as Lucene's
CJKAnalyzer does. That needs no dictionary and finds a word of any length by its pairs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from askdocs.languages import cjk_pattern, has_cjk

# bm25s's pattern, plus a lone CJK character (a run of one, after pairing).
TOKEN_PATTERN = r"(?u)\b\w\w+\b|" + cjk_pattern().pattern
# Snowball stemmers (PyStemmer) by ISO 639-1 code.
STEMMERS = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish",
    "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch", "no": "norwegian",
    "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian", "sv": "swedish",
    "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip
# bm25s's stop-word lists by code (English's is the index setting `keyword_stopwords`). Chinese and
# Korean have lists too, but of whole words, which character pairs never match.
STOPWORD_LISTS = {"da", "de", "es", "fr", "it", "nl", "no", "pt", "ru", "sv", "tr"}
_RUN = re.compile(f"(?:{cjk_pattern().pattern})+")


@dataclass(frozen=True)
class KeywordAnalysis:
    """The languages a keyword index reads text by (the first is the library's main one)."""

    languages: tuple[str, ...] = ("en",)
    english_stopwords: str = "en_plus"

    def to_json(self) -> dict[str, Any]:
        """What the keyword index folder records (`analysis.json`)."""
        return {"languages": list(self.languages), "english_stopwords": self.english_stopwords}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeywordAnalysis:
        """Inverse of `to_json`."""
        return cls(tuple(data.get("languages", ["en"])), data.get("english_stopwords", "en_plus"))

    def passage_words(self, texts: list[str], languages: list[str] | None = None) -> list[list[str]]:
        """Each text's words, read by the rules of its language (default: the main one)."""
        known = set(self.languages)
        chosen = [lang if lang in known else self.languages[0] for lang in (languages or [""] * len(texts))]
        out: list[list[str]] = [[] for _ in texts]
        for language in dict.fromkeys(chosen):
            rows = [i for i, lang in enumerate(chosen) if lang == language]
            for row, words in zip(rows, self.words_in([texts[i] for i in rows], language)):
                out[row] = words
        return out

    def question_words(self, text: str) -> list[str]:
        """The question's words by the rules of every language of the index, in order, each once
        across languages (repeats within one language kept)."""
        if len(self.languages) == 1:
            return self.words_in([text], self.languages[0])[0]
        seen: set[str] = set()
        words: list[str] = []
        for language in self.languages:
            fresh = [w for w in self.words_in([text], language)[0] if w not in seen]
            seen.update(fresh)
            words.extend(fresh)
        return words

    def question_words_each(self, texts: list[str]) -> list[set[str]]:
        """Each text's words as a question's are read (every language's rules), as a set; one
        tokenizer pass per language over all the texts."""
        out: list[set[str]] = [set() for _ in texts]
        for language in self.languages:
            for words, found in zip(out, self.words_in(texts, language)):
                words.update(found)
        return out

    def words_in(self, texts: list[str], language: str) -> list[list[str]]:
        """Lower-cased words of each text, `language`'s stop words dropped and stemmer applied."""
        import bm25s

        stopwords = self.english_stopwords if language == "en" else language if language in STOPWORD_LISTS else []
        return bm25s.tokenize(  # type: ignore[no-any-return]
            [paired(text) for text in texts],
            token_pattern=TOKEN_PATTERN,
            stopwords=stopwords,
            stemmer=_stemmer(STEMMERS.get(language, "")),
            return_ids=False,
            show_progress=False,
        )


def paired(text: str) -> str:
    """The text with each run of CJK characters written as its overlapping pairs, spaced apart."""
    if not has_cjk(text):
        return text
    return _RUN.sub(lambda run: " " + " ".join(_pairs(run.group())) + " ", text)


def _pairs(run: str) -> list[str]:
    return [run] if len(run) < 2 else [run[i : i + 2] for i in range(len(run) - 1)]


@lru_cache(maxsize=16)
def _stemmer(algorithm: str) -> Any:
    """PyStemmer's stemmer for the algorithm (None for a language without one)."""
    if not algorithm:
        return None
    import Stemmer

    return Stemmer.Stemmer(algorithm)
