"""A library's description of itself: `askdocs.toml` in the corpus folder, read at ingest and kept in the build.

    title = "Back and hip pain"
    description = "Articles about back and hip pain."
    examples = ["What is vertebroplasty?", "What exercises help hip pain?"]
    notice = "Not medical advice."

Every key is optional. Without the file (or a key), the page shows the folder's name as the title,
no notice, and example questions taken from the library itself: questions that occur in its text,
else its section headings; or none. Never another library's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from askdocs.errors import AskdocsError
from askdocs.records import Passage

SETTINGS_FILE = "askdocs.toml"
MAX_EXAMPLES = 4
_KEYS = {"title": str, "description": str, "examples": list, "notice": str}
# A question in the text worth offering: 4 to 14 words ending in "?".
_QUESTION = re.compile(r"(?:^|(?<=[.!?]\s))([A-Z][^.!?]{10,120}\?)")
_ASKING = re.compile(r"(What|How|Why|When|Where|Which|Who|Can|Could|Do|Does|Is|Are|Should|Will|Would)\b")
_HOW_TO = re.compile(r"How (to|do|can)\b", re.IGNORECASE)
# Words that lean on text before the question ("How does it work?"): such a question is not an example.
_POINTING = {"it", "its", "this", "that", "these", "those", "they", "them", "their", "he", "she", "above", "below"}


class LibrarySettingsError(AskdocsError):
    """The corpus folder's askdocs.toml cannot be used."""


@dataclass(frozen=True)
class LibrarySettings:
    """What the page shows about a library: its title, a description, example questions, a notice."""

    title: str
    description: str = ""
    examples: tuple[str, ...] = ()
    notice: str = ""
    # True when the examples were taken from the library's text, not written in askdocs.toml.
    derived_examples: bool = False

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the manifest."""
        return {
            "title": self.title,
            "description": self.description,
            "examples": list(self.examples),
            "notice": self.notice,
            "derived_examples": self.derived_examples,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], default_title: str = "askdocs") -> LibrarySettings:
        """Inverse of `to_json`; a build made before library settings gets a plain title and nothing else."""
        return cls(
            title=data.get("title") or default_title,
            description=data.get("description", ""),
            examples=tuple(data.get("examples", ())),
            notice=data.get("notice", ""),
            derived_examples=data.get("derived_examples", False),
        )


def read_library_file(corpus_dir: Path) -> dict[str, Any]:
    """What the corpus folder's askdocs.toml says, checked; nothing when there is none."""
    path = Path(corpus_dir) / SETTINGS_FILE
    if not path.is_file():
        return {}
    try:
        values = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise LibrarySettingsError(f"{path} is not valid TOML ({error}); fix it or remove it") from None
    for key, value in values.items():
        expected = _KEYS.get(key)
        if expected is None:
            raise LibrarySettingsError(f"{path}: unknown key '{key}'; the keys are {', '.join(_KEYS)}")
        if not isinstance(value, expected) or (key == "examples" and not all(isinstance(v, str) for v in value)):
            raise LibrarySettingsError(
                f"{path}: '{key}' must be {'a list of strings' if expected is list else 'a string'}"
            )
    return values


def library_settings(corpus_dir: Path, values: dict[str, Any], passages: list[Passage]) -> LibrarySettings:
    """The library's settings: askdocs.toml's `values` (`read_library_file`), the folder's name as the
    default title, and example questions from the library's own text when the file gives none."""
    examples = tuple(e.strip() for e in values.get("examples", []) if e.strip())[:MAX_EXAMPLES]
    derived = not examples
    if derived:
        examples = examples_from(passages)
    return LibrarySettings(
        title=values.get("title") or Path(corpus_dir).resolve().name,
        description=values.get("description", ""),
        examples=examples,
        notice=values.get("notice", ""),
        derived_examples=derived and bool(examples),
    )


def examples_from(passages: list[Passage], limit: int = MAX_EXAMPLES) -> tuple[str, ...]:
    """Example questions from the library's own text, at most `limit`, one per document where it can.

    First questions that stand on their own (they open with a question word and point at nothing
    earlier: no "it", "this", "they"), then "How to ..." headings, then other section headings, the
    ones over the most passages first (a manual's main topics, not its "-q; --quiet" entries).
    """
    questions: dict[str, str] = {}
    headings: dict[str, tuple[str, int]] = {}
    for passage in passages:
        document = _document_of(passage)
        for match in _QUESTION.finditer(passage.text):
            question = match.group(1).strip()
            if _stands_alone(question):
                questions.setdefault(question, document)
        heading = (passage.title or "").split(" > ")[-1].strip()
        if _topic_like(heading):
            first_document, count = headings.get(heading, (document, 0))
            headings[heading] = (first_document, count + 1)
    by_size = sorted(headings.items(), key=lambda item: -item[1][1])
    how_to = [(h, d) for h, (d, _) in by_size if _HOW_TO.match(h)]
    other = [(h, d) for h, (d, _) in by_size if not _HOW_TO.match(h)]
    candidates = list(questions.items()) + how_to + other
    chosen: list[str] = []
    for one_per_document in (True, False):
        used = {document for text, document in candidates if text in chosen}
        for text, document in candidates:
            if len(chosen) < limit and text not in chosen and not (one_per_document and document in used):
                chosen.append(text)
                used.add(document)
    return tuple(chosen)


def _document_of(passage: Passage) -> str:
    """The passage's first document without its suffix, so a manual's .html and .txt copies count as one."""
    return Path(passage.citations[0].source).with_suffix("").as_posix() if passage.citations else ""


def _stands_alone(question: str) -> bool:
    words = [w.strip("?,.;:!\"'()").lower() for w in question.split()]
    # Two words that are not stopwords: "What are you trying to do?" asks about nothing in particular.
    content = [w for w in words if w and w not in _stopwords()]
    return 4 <= len(words) <= 14 and bool(_ASKING.match(question)) and not _POINTING & set(words) and len(content) >= 2


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS

    return frozenset(STOPWORDS_EN_PLUS)


def _topic_like(heading: str) -> bool:
    words = heading.split()
    return 2 <= len(words) <= 10 and heading[:1].isalpha() and not heading.isupper()
