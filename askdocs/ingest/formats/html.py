"""HTML (.html, .htm): the visible text of a page, read as structure. Headings (and definition-list
terms) title the passages of their section and are the citation's section, with the id of the
nearest heading or section as its #anchor; `<pre>` blocks are kept whole as passages of their own;
a table row is one passage with its column headers; menus, sidebars, breadcrumbs and link-only
lines are left out with their reason; cited by heading path, #anchor and line.

This module walks the page (blocks, runs of inline text, code blocks and tables); headings and
definition lists are read in `html_headings`, navigation is told apart in `html_navigation`, the
text of elements is taken in `html_text`, and the open sections are kept in `html_sections`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import Collector, ParseContext, ParsedFile, decode_text
from askdocs.ingest.formats.html_headings import TERM_LEVEL, add_short_definition, read_heading
from askdocs.ingest.formats.html_navigation import navigation_reason
from askdocs.ingest.formats.html_sections import ReadingState
from askdocs.ingest.formats.html_text import (
    HEADINGS,
    LETTER_OR_DIGIT,
    children_items,
    flat_text,
    has_link,
    is_command,
    line_of,
    links_only,
    run_texts,
)
from askdocs.ingest.formats.tables import table_row_text

if TYPE_CHECKING:
    from bs4 import PageElement, Tag

# Never visible text: removed before reading, and not listed as dropped. (Markup hidden until a click,
# such as the `hidden` panels of tabbed code samples, is read: it is content.)
_SILENT = (
    "script style noscript template title meta link base svg canvas iframe object embed button input select textarea"
).split()


def parse_html(source: str, text: str, check_time: Callable[[], None] | None = None) -> ParsedFile:
    """HTML: headings title their sections, code blocks and table rows are passages, navigation is left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_SILENT):
        tag.decompose()
    state = ReadingState(Collector(source), check_time or (lambda: None))
    _read_tree(soup, state)
    state.close(1)
    return state.collector.result()


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """An HTML file's bytes, decoded."""
    return parse_html(context.source, decode_text(data), context.check_time)


def _read_tree(root: Tag, state: ReadingState) -> None:
    """Read the tree in document order, without recursion (pages can nest thousands deep)."""
    # Work items: ("tag", Tag) to read, ("run", [inline nodes]) to add as one passage, or
    # ("restore", (headings, anchors, level of its terms)) when a definition list ends.
    work: list[tuple[str, object]] = [("tag", root)]
    while work:
        kind, item = work.pop()
        state.tick()
        if kind == "restore":
            headings, anchors, level = item  # type: ignore[misc]
            state.close(level)
            state.headings, state.anchors = headings, anchors
        elif kind == "run":
            _add_run(item, state)  # type: ignore[arg-type]
        else:
            work.extend(reversed(_read_tag(item, state)))  # type: ignore[arg-type]


def _read_tag(tag: Tag, state: ReadingState) -> list[tuple[str, object]]:
    """Read one element; the work its children still need, in order."""
    reason = navigation_reason(tag)
    if reason:
        text = flat_text(tag)
        if text:
            state.collector.drop(tag.sourceline, f"navigation: {reason}", text)
        return []
    if tag.name in HEADINGS or tag.name == "dt":
        return read_heading(tag, state)
    if tag.name == "pre":
        _add_code(tag, state)
    elif "line-block" in (tag.get("class") or []):
        # reStructuredText's line block: one <div class="line"> per line of a single text.
        state.add(flat_text(tag, sep="\n").split("\n"), tag.sourceline)
    elif tag.name == "dd" and (rest := add_short_definition(tag, state)) is not None:
        return rest
    elif tag.name == "table" and _is_data_table(tag):
        _add_table(tag, state)
    elif tag.name == "dl":
        # Terms title only their own list.
        level = TERM_LEVEL + len(tag.find_parents("dl"))
        return [*children_items(tag), ("restore", (state.headings, state.anchors, level))]
    else:
        return children_items(tag)
    return []


def _add_run(nodes: list[PageElement], state: ReadingState) -> None:
    """Inline text between blocks (a paragraph's content): a passage, or dropped as a line of links."""
    text, outside_links = run_texts(nodes)
    if not LETTER_OR_DIGIT.search(text):
        return
    first = next(n for n in nodes if n.get_text().strip())
    line = line_of(first)
    if links_only(text, outside_links) and has_link(nodes):
        state.collector.drop(line, "navigation: links only", normalize(text))
        return
    state.add(text.split("\n"), line, keep=is_command(nodes))


def _add_code(tag: Tag, state: ReadingState) -> None:
    """A `<pre>` block: one passage with every line kept (commands and code are content)."""
    text = run_texts(tag.children)[0]
    if not text.strip():
        return
    if _is_line_numbers(tag):
        state.collector.drop(tag.sourceline, "no words", normalize(text))
        return
    state.add(text.split("\n"), tag.sourceline, keep=True)


def _is_line_numbers(tag: Tag) -> bool:
    """The line-number column beside a highlighted listing (Pygments' "linenos"), not output that
    happens to be numbers."""
    for node in [tag, *list(tag.parents)[:3]]:
        if any("lineno" in value.lower() for value in node.get("class") or []):
            return True
    return False


def _is_data_table(table: Tag) -> bool:
    """A table of data (rows to read with their headers), not one that lays a page out."""
    if table.get("role") == "presentation":
        return False
    return table.find(["table", "pre", "form", "nav", "blockquote", "div", *HEADINGS]) is None


def _add_table(table: Tag, state: ReadingState) -> None:
    """A data table: one passage per row, each cell with its column header."""
    caption_tag = table.find("caption")
    caption = flat_text(caption_tag) if caption_tag is not None else None
    headers: list[str] = []
    for row in table.find_all("tr"):
        state.tick()
        cells = row.find_all(["td", "th"], recursive=False)
        if not cells:
            continue
        texts = [flat_text(cell) for cell in cells]
        if (len(cells) > 1 and all(cell.name == "th" for cell in cells)) or row.find_parent("thead") is not None:
            headers = texts
            continue
        filled = [t for t in texts if t]
        if not filled:
            continue
        if len(filled) == 1:
            # A one-cell row is a line like any other; rows of cells are records even when linked.
            text, outside = run_texts(cells[texts.index(filled[0])].children)
            if links_only(text, outside) and row.find("a", href=True) is not None:
                state.collector.drop(row.sourceline, "navigation: links only", filled[0])
                continue
        keep = len(filled) > 1 or is_command(cells[texts.index(filled[0])].children)
        state.add([table_row_text(headers, texts)], row.sourceline, keep=keep, caption=caption)
