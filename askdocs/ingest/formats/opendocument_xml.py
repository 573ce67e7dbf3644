"""The odfpy element helpers the OpenDocument readers share (text, slides and tables): the XML
namespaces, child elements and attributes, and the text of a paragraph or a frame as a reader sees it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from askdocs.cleaning import normalize

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
SVG = "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
PRESENTATION = "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"

# Bookkeeping, comments and image descriptions: not text a reader sees there.
SKIPPED = {
    (TEXT, name)
    for name in ("tracked-changes", "sequence-decls", "variable-decls", "user-field-decls", "dde-connection-decls")
} | {(TEXT, "note-citation"), (OFFICE, "forms"), (OFFICE, "annotation"), (OFFICE, "annotation-end")}
SKIPPED |= {(SVG, "title"), (SVG, "desc")}
# Spaces, tabs and line breaks in a paragraph (runs of spaces fold to one anyway).
_SPACE = {(TEXT, "s"), (TEXT, "tab"), (TEXT, "line-break")}


def elements(node: Any) -> Iterator[Any]:
    """The child elements of an odfpy node (text nodes left out)."""
    return (child for child in node.childNodes if child.nodeType == 1)


def attribute(element: Any, namespace: str, name: str) -> str | None:
    """An attribute of an odfpy element, or None."""
    value = element.attributes.get((namespace, name))
    return str(value) if value is not None else None


def inline_text(element: Any, side: list[Any] | None = None) -> str:
    """A paragraph's text, its text boxes' included; footnotes in it go to `side` to be read apart."""
    parts: list[str] = []
    # Spans nest without limit in a hostile file: walked with a stack, not recursion.
    stack = [iter(element.childNodes)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.nodeType == 3:
            parts.append(child.data)
        elif child.nodeType != 1 or child.qname in SKIPPED:
            continue
        elif child.qname in _SPACE:
            parts.append(" ")
        elif child.qname == (TEXT, "note"):
            if side is not None:
                side.append(child)
        elif child.qname[0] == DRAW:
            parts.append(f" {' '.join(frame_lines(child))} ")
        else:
            stack.append(iter(child.childNodes))
    return "".join(parts)


def frame_lines(element: Any, tables: list[Any] | None = None) -> list[str]:
    """The text lines of a frame, shape, footnote, table cell or index: each paragraph one line.

    Tables met go to `tables` when given (slides read them row by row); else each row is a line.
    """
    lines: list[str] = []
    for child in elements(element):
        qname = child.qname
        if qname in ((TEXT, "p"), (TEXT, "h")):
            side: list[Any] = []
            lines.append(inline_text(child, side))
            for nested in side:
                lines.extend(frame_lines(nested, tables))
        elif qname == (TABLE, "table") and tables is not None:
            tables.append(child)
        elif qname == (TABLE, "table-row"):
            lines.append(
                "; ".join(text for cell in elements(child) if (text := normalize(" ".join(frame_lines(cell)))))
            )
        elif qname not in SKIPPED and qname != (DRAW, "image"):
            lines.extend(frame_lines(child, tables))
    return lines
