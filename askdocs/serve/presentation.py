"""Turn hits into text for the terminal, JSON for scripts, and escaped HTML for the page."""

from __future__ import annotations

import re
import textwrap
from dataclasses import asdict, dataclass
from pathlib import PurePosixPath
from typing import Any

from askdocs.cleaning import normalize
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.languages import cjk_pattern
from askdocs.records import Citation, Hit

# The longest question the page cuts to and the HTTP API accepts, in characters.
MAX_QUESTION_CHARS = 1000


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """A hit as plain JSON-ready data; each citation also names its file's format and folder (what
    `type:` and `folder:` filter on)."""
    data = asdict(hit)
    data["citations"] = [{**c.to_json(), **filter_fields(c.source)} for c in hit.citations]
    return data


def filter_fields(source: str) -> dict[str, str]:
    """A file's format (`pdf`) and folder (`contracts/2024`, empty at the top), as filters read them."""
    path = PurePosixPath(source)
    folder = str(path.parent)
    return {"format": path.suffix.lower().lstrip("."), "folder": "" if folder == "." else folder}


def citation_label(citation: Citation) -> str:
    """Where to open a hit: `file.txt, line 12`, `deck.pptx, slide 3 "Results"`, `book.xlsx, sheet Q3, row 7`,
    `guide.docx, Setup > Linux, paragraph 14`, `scan.pdf, page 3 (OCR)` or `Title: file, id 7`."""
    c = citation
    parts = [f"{c.source}#{c.anchor}" if c.anchor else c.source]
    if c.chapter is not None:
        parts.append(f"chapter {c.chapter}")
    if c.slide is not None:
        parts.append(f"slide {c.slide}" + (f' "{c.section}"' if c.section else ""))
    elif c.section:
        parts.append(c.section)
    if c.sheet is not None:
        parts.append(f"sheet {c.sheet}")
    if c.row is not None:
        parts.append(f"row {c.row}")
    if c.page is not None:
        parts.append(f"page {c.page}")
    if c.paragraph is not None:
        parts.append(f"paragraph {c.paragraph}")
    if c.line is not None:
        parts.append(f"line {c.line}")
    if c.doc_id is not None:
        parts.append(f"id {c.doc_id}")
    label = ", ".join(parts) + (" (OCR)" if c.ocr else "")
    return f"{c.title}: {label}" if c.title and c.doc_id is not None else label


def render_text(question: str, hits: list[Hit]) -> str:
    """The hits as plain text for a terminal."""
    if not hits:
        return "No passages found. Ask a question with words in it, or check that the index is built."
    lines: list[str] = []
    if not any(hit.confident for hit in hits):
        lines.append("Nothing in the library answers this well. The nearest passages (weak matches):\n")
    for rank, hit in enumerate(hits, 1):
        marker = "" if hit.confident else " (weak)"
        match = f", match {hit.similarity:.2f}" if hit.similarity is not None else ""
        lines.append(f"{rank}. score {hit.score:.3f}{match}{marker}")
        for citation in hit.citations:
            lines.append(f"   [{citation_label(citation)}]")
        if hit.highlight is not None:
            answer = hit.text[hit.highlight[0] : hit.highlight[1]]
            lines.append(textwrap.indent(textwrap.fill(f">> {answer}", 100), "   "))
        lines.append(textwrap.indent(textwrap.fill(hit.text, 100), "   "))
        lines.append("")
    return "\n".join(lines)


def safe_html(text: str) -> str:
    """Text that HTML *and* Streamlit's markdown show literally.

    Every character other than letters, digits and spaces becomes a numeric entity, so no
    tag, markdown link, emphasis, `:emoji:` shortcode or `$math$` in corpus text can take effect.
    """
    return "".join(ch if ch.isalnum() or ch == " " else f"&#{ord(ch)};" for ch in text)


def safe_markdown(text: str) -> str:
    """Text that Streamlit's markdown (button labels) shows literally: every ASCII punctuation mark escaped."""
    return "".join(f"\\{ch}" if ch in _MARKDOWN_PUNCTUATION else ch for ch in text)


_MARKDOWN_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


# The words BM25 indexes: bm25s's default token pattern (two or more word characters) or a CJK run.
_WORD = re.compile(rf"(?u)(?:{cjk_pattern().pattern})+|\b\w\w+\b")
# Words emphasised in one passage at most, so a long passage repeating a question word stays readable.
MAX_TERM_SPANS = 300


@dataclass(frozen=True)
class QuestionTerms:
    """A question's words as BM25 matches them (lower-cased, stemmed, stopwords dropped), to find in passages."""

    stems: frozenset[str]
    analysis: KeywordAnalysis  # the keyword index's (KeywordIndex.analysis)

    @classmethod
    def of(cls, question: str, analysis: KeywordAnalysis) -> QuestionTerms:
        """The terms of a question, normalised as the search normalises it."""
        return cls(frozenset(analysis.question_words(normalize(question))), analysis)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """The spans of the whole words of `text` that BM25 counts as a question word, in order (at most MAX_TERM_SPANS)."""
        if not self.stems:
            return []
        words = [(found.start(), found.end(), found.group().lower()) for found in _WORD.finditer(text)]
        distinct = sorted({word for _, _, word in words})
        if not distinct:
            return []
        # Each word through the keyword index's own rules, so stemming and stopwords are exactly its
        # (all the words in one tokenizer pass per language, as before the rules were per language).
        matched = {
            word for word, stems in zip(distinct, self.analysis.question_words_each(distinct)) if self.stems & stems
        }
        spans: list[tuple[int, int]] = []
        for start, end, word in words:
            if cjk_pattern().match(word):
                spans.extend(_pair_spans(word, start, self.stems))
            elif word in matched:
                spans.append((start, end))
        return spans[:MAX_TERM_SPANS]


def _pair_spans(run: str, start: int, stems: frozenset[str]) -> list[tuple[int, int]]:
    """The spans of a CJK run's character pairs (or lone character) that are question terms, merged."""
    hits = [(start + i, start + i + 2) for i in range(len(run) - 1) if run[i : i + 2] in stems]
    if len(run) == 1 and run in stems:
        hits = [(start, start + 1)]
    merged: list[tuple[int, int]] = []
    for begin, end in hits:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((begin, end))
    return merged


def marked_html(text: str, span: tuple[int, int] | None, terms: QuestionTerms | None = None) -> str:
    """Safe passage text with the answering span wrapped in <mark> and the question's words in
    <strong class="askdocs-term">, inside the mark as outside."""
    words = terms.spans(text) if terms is not None else []
    if span is None:
        return _emphasised(text, 0, len(text), words)
    start, end = span
    return (
        f"{_emphasised(text, 0, start, words)}<mark>{_emphasised(text, start, end, words)}</mark>"
        f"{_emphasised(text, end, len(text), words)}"
    )


def _emphasised(text: str, start: int, end: int, words: list[tuple[int, int]]) -> str:
    """Safe `text[start:end]` with the parts of the word spans inside it in <strong class="askdocs-term">."""
    out, at = [], start
    for word_start, word_end in words:
        # A word across the mark's edge is cut there, so the tags nest.
        word_start, word_end = max(word_start, start), min(word_end, end)
        if word_start >= word_end:
            continue
        out.append(safe_html(text[at:word_start]))
        out.append(f'<strong class="askdocs-term">{safe_html(text[word_start:word_end])}</strong>')
        at = word_end
    out.append(safe_html(text[at:end]))
    return "".join(out)


def safe_link(citation: Citation) -> str:
    """An escaped link to a citation's url, only for http(s) urls; else its escaped label."""
    label = safe_html(citation_label(citation))
    url = citation.url or ""
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{safe_html(url)}" target="_blank" rel="noopener noreferrer">{label}</a>'
    return label
