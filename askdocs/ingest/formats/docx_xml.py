"""WordprocessingML as a reader sees it: the paragraphs and tables of a body or cell in document
order (inside content controls too), a paragraph's visible text, and a table's cells by grid column
(merged cells placed as Word shows them). Shared by the .docx body, its tables and its headers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from askdocs.cleaning import normalize

# The WordprocessingML namespace, as the "{...}" prefix of element and attribute names.
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
PARAGRAPH, _TBL, _TR, _TC, _SDT, _CUSTOM_XML = (f"{W}{tag}" for tag in ("p", "tbl", "tr", "tc", "sdt", "customXml"))
_T, _TAB, _BR, _CR = (f"{W}{tag}" for tag in ("t", "tab", "br", "cr"))
VAL = f"{W}val"
# Deleted or moved-away tracked text and the legacy copy of a drawing are not what the page shows;
# properties hold no text.
_SKIPPED = {
    f"{W}{tag}" for tag in ("del", "moveFrom", "pPr", "rPr", "tblPr", "trPr", "tcPr", "sectPr", "instrText")
} | {_MC_FALLBACK}


def body_blocks(container: Any, in_contents: bool = False) -> Iterator[tuple[Any, bool]]:
    """The paragraphs and tables of a body or cell in order, looking inside content controls, each with
    whether it is part of a table of contents."""
    for child in container:
        if child.tag in (PARAGRAPH, _TBL):
            yield child, in_contents
        elif child.tag == _SDT:
            gallery = child.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
            content = child.find(f"{W}sdtContent")
            if content is not None:
                contents = gallery is not None and "contents" in gallery.get(VAL, "").lower()
                yield from body_blocks(content, in_contents or contents)
        elif child.tag == _CUSTOM_XML:
            yield from body_blocks(child, in_contents)


def paragraph_text(p: Any) -> str:
    """A paragraph's visible text: runs, hyperlinks, fields' results and inserted text; breaks as newlines."""
    parts: list[str] = []
    _collect_text(p, parts)
    return "".join(parts)


def _collect_text(element: Any, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag == _T:
            parts.append(child.text or "")
        elif tag == _TAB:
            parts.append(" ")
        elif tag in (_BR, _CR):
            parts.append("\n")
        elif tag in _SKIPPED or not isinstance(tag, str):
            continue
        elif tag == PARAGRAPH:
            # A paragraph inside a text box anchored in this one.
            parts.append("\n")
            _collect_text(child, parts)
        else:
            _collect_text(child, parts)


def flat_text(container: Any) -> str:
    """The text of a body, cell or header: its paragraphs' and tables' text joined by spaces."""
    texts: list[str] = []
    for block, _ in body_blocks(container):
        if block.tag == PARAGRAPH:
            texts.append(normalize(paragraph_text(block)))
        else:
            texts.extend(" ".join(cells) for cells in table_cells(block))
    return " ".join(text for text in texts if text)


def table_cells(tbl: Any) -> Iterator[list[str]]:
    """Each row's cell texts, one per grid column: a merged cell's text in its first column, a vertically
    merged cell's text repeated down the rows it spans (it applies to each)."""
    above: dict[int, str] = {}
    for tr in _children(tbl, _TR):
        cells: list[str] = []
        before = tr.find(f"{W}trPr/{W}gridBefore")
        cells.extend("" for _ in range(_int_val(before, 0)))
        for tc in _children(tr, _TC):
            column = len(cells)
            vmerge = tc.find(f"{W}tcPr/{W}vMerge")
            if vmerge is not None and vmerge.get(VAL, "continue") == "continue":
                text = above.get(column, "")
            else:
                text = flat_text(tc)
            above[column] = text
            cells.append(text)
            span = _int_val(tc.find(f"{W}tcPr/{W}gridSpan"), 1)
            cells.extend("" for _ in range(min(span, 64) - 1))
        yield cells


def _children(element: Any, tag: str) -> Iterator[Any]:
    """Children with `tag`, looking inside content controls and custom XML wrappers."""
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag == _SDT:
            content = child.find(f"{W}sdtContent")
            if content is not None:
                yield from _children(content, tag)
        elif child.tag == _CUSTOM_XML:
            yield from _children(child, tag)


def _int_val(element: Any, default: int) -> int:
    if element is None:
        return default
    try:
        return max(int(element.get(VAL, default)), 0)
    except ValueError:
        return default
