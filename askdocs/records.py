"""Records passed between the stages: citations, passages, chunks and search hits."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class Citation:
    """Where a passage comes from: a file and the place in it a person can open (a line, a page,
    a slide, a sheet row, a heading path, a record id); unset fields are None."""

    source: str
    line: int | None = None
    doc_id: str | None = None
    title: str | None = None
    url: str | None = None
    page: int | None = None
    # Character span, in the stored passage text, of the text this citation covers.
    span: tuple[int, int] | None = None
    # The heading path of the enclosing section ("Setup > Linux"), a slide's title or an e-book chapter's.
    section: str | None = None
    # Word/ODT: the paragraph's number in the document body (1-based, tables' rows counted as paragraphs).
    paragraph: int | None = None
    slide: int | None = None
    sheet: str | None = None
    # Spreadsheet or CSV row number, as the application shows it (1-based, the header row included).
    row: int | None = None
    # E-book chapter number (reading order, 1-based).
    chapter: int | None = None
    # HTML: the id of the nearest heading or section, so `source#anchor` opens at it.
    anchor: str | None = None
    # True when the text was read by OCR from an image (a scanned page), so it may hold misreadings.
    ocr: bool | None = None
    # The document's date (ISO, YYYY-MM-DD): its own metadata date where the format has one, else the
    # file's modification time at ingest; what after: and before: filter on.
    date: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain dict with the unset fields left out."""
        # Not dataclasses.asdict: its deep copy was 2.4 s of a 35 s MedQuAD rebuild.
        return {name: value for name in _CITATION_FIELDS if (value := getattr(self, name)) is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Citation:
        """Inverse of `to_json`; keys that are not fields (the API's `format` and `folder`) are ignored."""
        span = data.get("span")
        known = {name: value for name, value in data.items() if name in _CITATION_FIELD_SET}
        return cls(**{**known, "span": tuple(span) if span is not None else None})

    def shifted(self, lines: int, span: tuple[int, int]) -> Citation:
        """The same citation moved `lines` lines down, covering `span`."""
        line = self.line + lines if self.line is not None else None
        return replace(self, line=line, span=span)


_CITATION_FIELDS = tuple(f.name for f in fields(Citation))
_CITATION_FIELD_SET = frozenset(_CITATION_FIELDS)


@dataclass(frozen=True)
class Passage:
    """A unit of text as read from the corpus, with every place it occurs."""

    text: str
    citations: tuple[Citation, ...]
    # Text that gives the passage context when embedded (record title, section heading).
    title: str | None = None
    # 0-based offsets in `text` at which each following source line starts (text files); not stored,
    # because only chunking needs it.
    line_starts: tuple[int, ...] = (0,)

    def to_json(self) -> dict[str, Any]:
        """The passage as a stored row: text, title and citations."""
        return {"text": self.text, "title": self.title, "citations": [c.to_json() for c in self.citations]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Passage:
        """Inverse of `to_json` (`line_starts` is not stored)."""
        return cls(data["text"], tuple(Citation.from_json(c) for c in data["citations"]), data.get("title"))


@dataclass(frozen=True)
class Chunk:
    """A piece of a passage small enough for the model's window."""

    passage_id: int
    text: str
    span: tuple[int, int]
    citations: tuple[Citation, ...]
    embed_text: str


@dataclass(frozen=True)
class Hit:
    """One search result: a passage (or the best chunk of a long one), best first."""

    text: str
    score: float
    citations: list[Citation] = field(default_factory=list)
    # Character span in `text` of the sentence that best answers the question.
    highlight: tuple[int, int] | None = None
    # False when the hit is only the nearest match, not a good answer.
    confident: bool = True
    passage_id: int = -1
    chunk_id: int = -1
    # Cosine of the question and the hit's best chunk: closeness in meaning, on which `confident`
    # is decided. `score` is the ranking score, which also weighs keywords.
    similarity: float | None = None


@dataclass(frozen=True)
class ChunkPlan:
    """Where a passage is cut: its chunks' character spans, and whether they are read with its title."""

    spans: tuple[tuple[int, int], ...]
    titled: bool
