"""HTML headings and definition lists: h1-h6 open a section titled by their text, a definition-list
term titles its definition one level below the list's, a short definition is read with its term, and
each takes the id a link can open at as its #anchor."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from askdocs.cleaning import normalize
from askdocs.ingest.formats.html_navigation import NAV_HEADINGS
from askdocs.ingest.formats.html_sections import ReadingState
from askdocs.ingest.formats.html_text import (
    BLOCK_NAMES,
    HEADINGS,
    LETTER_OR_DIGIT,
    LINK_LINE_WORDS,
    children_items,
    flat_text,
    run_texts,
)

if TYPE_CHECKING:
    from bs4 import PageElement, Tag

# A permalink glyph left after a heading's text ("Error Handling ¶", "Lexical Structure #").
_TRAILING_GLYPH = re.compile(r"(?:\s*[¶§🔗\ue000-\uf8ff]+|\s+#)$")
# Blocks that end a heading or term left unclosed (`<dt>Term<dd>...` without `</dt>`); a <div> inside
# one is part of it (rustdoc's "where" clauses).
_SWALLOWED = frozenset(["dd", "dt", "p", "pre", "ul", "ol", "dl", "table", "blockquote", *HEADINGS])
# Definition-list terms nest below h6.
TERM_LEVEL = 7


def read_heading(tag: Tag, state: ReadingState) -> list[tuple[str, object]]:
    """h1-h6 open a section titled by the heading's text (not a passage itself); a definition-list
    term titles its definition like a heading one level below the list's. Returns the blocks an
    unclosed `<dt>` or heading swallowed (`<dt>Term<dd>...` without `</dt>`), to read as content."""
    items = children_items(tag)
    nodes: list[PageElement] = list(tag.children)
    rest: list[tuple[str, object]] = []
    swallowed = {item.name for kind, item in items if kind == "tag"}  # type: ignore[attr-defined]
    if items and items[0][0] == "run" and swallowed & _SWALLOWED:
        nodes, rest = items[0][1], items[1:]  # type: ignore[assignment]
    anchor = _anchor(tag, nodes, section=tag.name != "dt")
    text = _heading_text(nodes)
    if not text:
        return rest
    if text.lower() in NAV_HEADINGS:
        state.collector.drop(tag.sourceline, "navigation: menu heading", text)
        return rest
    if tag.name != "dt":
        state.open(int(tag.name[1]), text, anchor, tag.sourceline)
        return rest
    level = _term_level(tag)
    previous = tag.find_previous_sibling(["dt", "dd"])
    joins = previous is not None and previous.name == "dt" and bool(state.headings) and state.headings[-1][0] == level
    if joins:
        # Several terms for one definition ("-v", "--verbose") title it together.
        text = f"{state.headings[-1][1]}; {text}"
        anchor = state.anchors[-1][1] or anchor
    state.open(level, text, anchor, tag.sourceline, joins=joins)
    return rest


def _term_level(tag: Tag) -> int:
    """A term's heading level: below h6 by how deep its definition list is nested."""
    return TERM_LEVEL - 1 + max(len(tag.find_parents("dl")), 1)


def add_short_definition(tag: Tag, state: ReadingState) -> list[tuple[str, object]] | None:
    """A short definition read with its term ("Return type: Response", "-a file: True if file
    exists."), as one record however short. Returns the blocks an unclosed `<dd>` swallowed (the
    next `<dt>`), to read next; None when the definition is longer or holds blocks of its own."""
    from bs4 import Tag

    if not state.headings or state.headings[-1][0] < TERM_LEVEL:
        return None
    items = children_items(tag)
    rest: list[tuple[str, object]] = []
    swallowed = {item.name for kind, item in items if kind == "tag"}  # type: ignore[attr-defined]
    if items and items[0][0] == "run" and swallowed & {"dt", "dd"}:
        value = normalize(run_texts(items[0][1])[0])  # type: ignore[arg-type]
        rest = items[1:]
    else:
        blocks = [node for node in tag.descendants if isinstance(node, Tag) and node.name in BLOCK_NAMES]
        if len(blocks) > 1 or (blocks and blocks[0].name != "p"):
            return None
        value = flat_text(tag)
    if not value or len(value.split()) > LINK_LINE_WORDS:
        return None
    state.add([f"{state.headings[-1][1]}: {value}"], tag.sourceline, keep=True)
    return rest


def _heading_text(nodes: list[PageElement]) -> str:
    """A heading's text without its permalink ("¶", "#") or "[source]" link."""
    from bs4 import CData, NavigableString, Tag

    parts: list[str] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if not _is_permalink(node):
                stack.extend(reversed(list(node.children)))
        elif type(node) in (NavigableString, CData):
            parts.append(str(node))
    return _TRAILING_GLYPH.sub("", normalize("".join(parts))).strip()


def _is_permalink(tag: Tag) -> bool:
    """A heading's link to itself shown as a glyph, or Sphinx's link to the source."""
    classes = tag.get("class") or []
    if "headerlink" in classes or "viewcode-link" in classes:
        return True
    href = str(tag.get("href") or "")
    return tag.name == "a" and href.startswith("#") and not LETTER_OR_DIGIT.search(tag.get_text())


def _anchor(tag: Tag, nodes: list[PageElement], *, section: bool) -> str | None:
    """The id a link can open at: the heading's own, one inside it or just before it, or (for a
    heading) the id of the section it opens."""
    from bs4 import Tag

    if tag.get("id"):
        return str(tag.get("id"))
    for node in nodes:
        if not isinstance(node, Tag):
            continue
        for inner in [node, *node.find_all(True)]:
            target = inner.get("id") or (inner.get("name") if inner.name == "a" else None)
            if target:
                return str(target)
    before = tag.find_previous_sibling()
    if before is not None and before.name in ("a", "span") and not before.get_text(strip=True):
        target = before.get("id") or before.get("name")
        if target:
            return str(target)
    if not section:
        return None
    # Sphinx and DocBook put the id on the <section>/<div> whose first heading this is.
    node = tag.parent
    while isinstance(node, Tag) and node.name not in ("body", "html", "[document]"):
        if node.find(HEADINGS) is not tag:
            break
        if node.get("id"):
            return str(node.get("id"))
        node = node.parent
    return None
