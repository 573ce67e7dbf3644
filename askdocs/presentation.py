"""Turn hits into text for the terminal, JSON for scripts, and escaped HTML for the page."""

from __future__ import annotations

import textwrap
from dataclasses import asdict
from typing import Any

from askdocs.records import Citation, Hit

# The longest question the page cuts to and the HTTP API accepts, in characters.
MAX_QUESTION_CHARS = 1000


def hit_to_json(hit: Hit) -> dict[str, Any]:
    """A hit as plain JSON-ready data."""
    data = asdict(hit)
    data["citations"] = [c.to_json() for c in hit.citations]
    return data


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


def format_counts(formats: dict[str, dict[str, int]]) -> str:
    """`.docx 3 · .pdf 2 (1 skipped)`: files read (and skipped) by format."""
    if not formats:
        return "by format not recorded (built by an older askdocs)"
    return " · ".join(
        f"{suffix} {n.get('read', 0)}" + (f" ({n['skipped']} skipped)" if n.get("skipped") else "")
        for suffix, n in sorted(formats.items())
    )


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


def marked_html(text: str, span: tuple[int, int] | None) -> str:
    """Safe passage text with the answering span wrapped in <mark>."""
    if span is None:
        return safe_html(text)
    start, end = span
    return f"{safe_html(text[:start])}<mark>{safe_html(text[start:end])}</mark>{safe_html(text[end:])}"


def safe_link(citation: Citation) -> str:
    """An escaped link to a citation's url, only for http(s) urls; else its escaped label."""
    label = safe_html(citation_label(citation))
    url = citation.url or ""
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{safe_html(url)}" target="_blank" rel="noopener noreferrer">{label}</a>'
    return label
