"""HTML (.html, .htm): the visible text of a page, read as structure. Headings (and definition-list
terms) title the passages of their section and are the citation's section, with the id of the
nearest heading or section as its #anchor; `<pre>` blocks are kept whole as passages of their own;
a table row is one passage with its column headers; menus, sidebars, breadcrumbs and link-only
lines are left out with their reason; cited by heading path, #anchor and line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from askdocs.cleaning import normalize
from askdocs.ingest.formats.base import (
    Collector,
    ParseContext,
    ParsedFile,
    decode_text,
    heading_path,
    open_heading,
    table_row_text,
)
from askdocs.records import Citation

if TYPE_CHECKING:
    from bs4 import PageElement, Tag

# Never visible text: removed before reading, and not listed as dropped. (Markup hidden until a click,
# such as the `hidden` panels of tabbed code samples, is read: it is content.)
_SILENT = (
    "script style noscript template title meta link base svg canvas iframe object embed button input select textarea"
).split()
_HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# Elements that start a block of text; anything else (span, a, code, custom inline tags) flows into
# the text around it.
_BLOCK_NAMES = frozenset(
    [
        *_HEADINGS,
        *(
            "address article aside blockquote body caption center details dd dialog div dl dt fieldset "
            "figcaption figure footer form head header hgroup hr html legend li main menu nav ol p pre "
            "section summary table tbody td tfoot th thead tr ul"
        ).split(),
    ]
)
_CODE_INLINE = frozenset(["code", "kbd", "samp", "tt"])
# A page's own header, footer or aside inside one of these belongs to an article, not the site.
_SECTIONING = ["article", "main", "section"]
_NAV_ROLES = frozenset(["navigation", "menu", "menubar", "search", "contentinfo", "banner", "doc-toc"])
# class words (split on - _ . :) that only ever name navigation, besides nav*/*nav (navbar,
# navheader, sidenav).
_NAV_WORDS = frozenset(
    "breadcrumb breadcrumbs menu menubar pager pagination relbar skip skiplink sphinxsidebar "
    "sphinxsidebarwrapper toc toctree".split()
)
# class words that also name content (a DocBook "sidebar" is a boxed note in the text): such an
# element is navigation only when most of its words are links.
_PART_WORDS = frozenset(["footer", "header", "masthead", "related", "sidebar"])
# Whole ids that name a page part; ids made from content ("index-menu_002dcomplete") do not count.
_NAV_IDS = (
    _NAV_WORDS
    | _PART_WORDS
    | frozenset(
        "nav navbar navigation main-nav main-menu site-nav site-header site-footer page-header page-footer "
        "topbar top-bar left-sidebar right-sidebar skip-link table-of-contents".split()
    )
)
_NAV_PHRASES = ("editthispage", "edit-this-page", "edit_this_page", "skip-link", "skip-to")
# A container flagged as navigation that holds this much prose (words outside links) is content.
_PROSE_WORDS = 60
# Headings that title a menu, not a section.
_NAV_HEADINGS = frozenset(
    [
        "next topic",
        "previous topic",
        "this page",
        "quick search",
        "related topics",
        "on this page",
        "table of contents",
        "show source",
    ]
)
# A permalink glyph left after a heading's text ("Error Handling ¶", "Lexical Structure #").
_TRAILING_GLYPH = re.compile(r"(?:\s*[¶§🔗\ue000-\uf8ff]+|\s+#)$")
# A line ending like a sentence ("Sign up for a GitHub account.") is content even when it is a link.
_SENTENCE = re.compile(r"[.!?]$")
_ALNUM = re.compile(r"[^\W_]")
# Link-only lines longer than this may be sentences or titles worth keeping.
_LINK_LINE_WORDS = 12
_CHECK_EVERY = 200
# Blocks that end a heading or term left unclosed (`<dt>Term<dd>...` without `</dt>`); a <div> inside
# one is part of it (rustdoc's "where" clauses).
_SWALLOWED = frozenset(["dd", "dt", "p", "pre", "ul", "ol", "dl", "table", "blockquote", *_HEADINGS])
# Definition-list terms nest below h6.
_TERM_LEVEL = 7


@dataclass(frozen=True)
class _Heading:
    """A heading (or term) whose section has no passage yet: if it closes empty, its text is one."""

    level: int
    text: str
    line: int | None
    at: Citation
    parent: str | None


@dataclass
class _State:
    """Reading state: the open headings, their anchors, and the passages' collector."""

    collector: Collector
    check_time: Callable[[], None]
    headings: list[tuple[int, str]] = field(default_factory=list)
    # The same levels as `headings`, each with its anchor id or "".
    anchors: list[tuple[int, str]] = field(default_factory=list)
    empty: list[_Heading] = field(default_factory=list)
    steps: int = 0

    def citation(self) -> Citation:
        """Where a passage under the open headings is: the heading path and the nearest anchor."""
        anchor = next((a for _, a in reversed(self.anchors) if a), None)
        return Citation(self.collector.source, section=heading_path(self.headings), anchor=anchor)

    def open(self, level: int, text: str, anchor: str | None, line: int | None, *, joins: bool = False) -> None:
        """A heading (or term) of `level` starts a section; `joins` when it extends the last term."""
        if joins and self.empty and self.empty[-1].level == level:
            self.empty.pop()
        self.close(level)
        parent = heading_path([(lvl, h) for lvl, h in self.headings if lvl < level])
        self.headings = open_heading(self.headings, level, text)
        self.anchors = open_heading(self.anchors, level, anchor or "")
        self.empty.append(_Heading(level, text, line, self.citation(), parent))

    def close(self, level: int) -> None:
        """Sections of `level` and deeper end: a heading with nothing under it is read as a line of text
        (rustdoc's "impl Send for Iter", a signature without a description), under the drop rules."""
        ending = [h for h in self.empty if h.level >= level]
        self.empty = [h for h in self.empty if h.level < level]
        before = len(self.collector.passages)
        for i, heading in enumerate(ending):
            # Only the innermost: a heading whose subsection follows it is that subsection's title.
            if i + 1 < len(ending) and ending[i + 1].level > heading.level:
                continue
            self.collector.add([heading.text], heading.line, heading.parent, at=heading.at)
        if len(self.collector.passages) > before:
            self.empty.clear()  # the enclosing sections now hold a passage

    def add(self, lines: list[str], line: int | None, *, keep: bool = False, caption: str | None = None) -> None:
        """A passage under the open headings (a table's caption joins its rows' title)."""
        at = self.citation()
        title = " > ".join(part for part in (at.section, caption) if part) or None
        before = len(self.collector.passages)
        self.collector.add(lines, line, title, at=at, keep=keep)
        if len(self.collector.passages) > before:
            self.empty.clear()

    def tick(self) -> None:
        """Count a unit of work; check the file's time limit every few hundred."""
        self.steps += 1
        if self.steps % _CHECK_EVERY == 0:
            self.check_time()


def parse_html(source: str, text: str, check_time: Callable[[], None] | None = None) -> ParsedFile:
    """HTML: headings title their sections, code blocks and table rows are passages, navigation is left out."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(_SILENT):
        tag.decompose()
    state = _State(Collector(source), check_time or (lambda: None))
    _read(soup, state)
    state.close(1)
    return state.collector.result()


def parse(context: ParseContext, data: bytes) -> ParsedFile:
    """An HTML file's bytes, decoded."""
    return parse_html(context.source, decode_text(data), context.check_time)


def _read(root: Tag, state: _State) -> None:
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


def _read_tag(tag: Tag, state: _State) -> list[tuple[str, object]]:
    """Read one element; the work its children still need, in order."""
    reason = _chrome_reason(tag)
    if reason:
        text = _flat_text(tag)
        if text:
            state.collector.drop(tag.sourceline, f"navigation: {reason}", text)
        return []
    if tag.name in _HEADINGS or tag.name == "dt":
        return _open_heading(tag, state)
    if tag.name == "pre":
        _add_code(tag, state)
    elif "line-block" in (tag.get("class") or []):
        # reStructuredText's line block: one <div class="line"> per line of a single text.
        state.add(_flat_text(tag, sep="\n").split("\n"), tag.sourceline)
    elif tag.name == "dd" and (rest := _add_definition(tag, state)) is not None:
        return rest
    elif tag.name == "table" and _is_data_table(tag):
        _add_table(tag, state)
    elif tag.name == "dl":
        # Terms title only their own list.
        level = _TERM_LEVEL + len(tag.find_parents("dl"))
        return [*_children_items(tag), ("restore", (state.headings, state.anchors, level))]
    else:
        return _children_items(tag)
    return []


def _children_items(tag: Tag) -> list[tuple[str, object]]:
    """A container's children in order: block children to read, and runs of inline nodes between them."""
    from bs4 import CData, NavigableString, Tag

    items: list[tuple[str, object]] = []
    run: list[PageElement] = []
    for child in tag.children:
        if isinstance(child, Tag):
            if child.name not in _BLOCK_NAMES and not _holds_block(child):
                run.append(child)
                continue
            if run:
                items.append(("run", run))
                run = []
            items.append(("tag", child))
        elif type(child) in (NavigableString, CData):
            run.append(child)
    if run:
        items.append(("run", run))
    return items


def _holds_block(tag: Tag) -> bool:
    """Whether an inline-looking element holds a block (a link around a heading, a span around a div)."""
    from bs4 import Tag

    return any(isinstance(node, Tag) and node.name in _BLOCK_NAMES for node in tag.descendants)


def _add_run(nodes: list[PageElement], state: _State) -> None:
    """Inline text between blocks (a paragraph's content): a passage, or dropped as a line of links."""
    text, outside_links = _run_texts(nodes)
    if not _ALNUM.search(text):
        return
    first = next(n for n in nodes if n.get_text().strip())
    line = _line_of(first)
    if _links_only(text, outside_links) and _has_link(nodes):
        state.collector.drop(line, "navigation: links only", normalize(text))
        return
    state.add(text.split("\n"), line, keep=_is_command(nodes))


def _is_command(nodes: Iterable[PageElement]) -> bool:
    """Whether inline nodes are one `<code>`/`<kbd>` holding a command or statement (words with
    spaces: code, kept however short); a lone identifier is not."""
    from bs4 import Tag

    solid = [n for n in nodes if isinstance(n, Tag) or n.get_text().strip()]
    if len(solid) != 1 or not isinstance(solid[0], Tag) or solid[0].name not in _CODE_INLINE:
        return False
    return " " in normalize(solid[0].get_text())


def _links_only(text: str, outside_links: str) -> bool:
    """A short line whose words are all link text: a menu entry, not a sentence or a printed URL."""
    clean = normalize(text)
    if _ALNUM.search(outside_links) or len(clean.split()) > _LINK_LINE_WORDS:
        return False
    return not _SENTENCE.search(clean) and "://" not in clean and "www." not in clean


def _run_texts(nodes: Iterable[PageElement]) -> tuple[str, str]:
    """The text of inline nodes (`<br>` as a line break), and the part of it outside links."""
    from bs4 import CData, NavigableString, Tag

    everything: list[str] = []
    outside: list[str] = []
    stack: list[tuple[PageElement, bool]] = [(node, False) for node in reversed(list(nodes))]
    while stack:
        node, in_link = stack.pop()
        if isinstance(node, Tag):
            if node.name == "br":
                everything.append("\n")
                continue
            link = in_link or (node.name == "a" and node.has_attr("href"))
            stack.extend((child, link) for child in reversed(list(node.children)))
        elif type(node) in (NavigableString, CData):
            everything.append(str(node))
            if not in_link:
                outside.append(str(node))
    return "".join(everything), "".join(outside)


def _has_link(nodes: Iterable[PageElement]) -> bool:
    """Whether any of the nodes is or holds a link."""
    from bs4 import Tag

    return any(
        isinstance(n, Tag) and ((n.name == "a" and n.has_attr("href")) or n.find("a", href=True) is not None)
        for n in nodes
    )


def _line_of(node: PageElement) -> int | None:
    """The source line a node starts on (html.parser gives lines for tags only, so strings are counted)."""
    from bs4 import Tag

    if isinstance(node, Tag):
        return node.sourceline
    text = str(node)
    leading = text[: len(text) - len(text.lstrip())].count("\n")
    extra = 0
    prev = node.previous_sibling
    while prev is not None and not isinstance(prev, Tag):
        extra += str(prev).count("\n")
        prev = prev.previous_sibling
    if prev is not None and prev.sourceline is not None:
        return prev.sourceline + prev.get_text().count("\n") + extra + leading
    parent = node.parent
    if parent is None or parent.sourceline is None:
        return None
    return parent.sourceline + extra + leading


def _open_heading(tag: Tag, state: _State) -> list[tuple[str, object]]:
    """h1-h6 open a section titled by the heading's text (not a passage itself); a definition-list
    term titles its definition like a heading one level below the list's. Returns the blocks an
    unclosed `<dt>` or heading swallowed (`<dt>Term<dd>...` without `</dt>`), to read as content."""
    items = _children_items(tag)
    nodes: list[PageElement] = list(tag.children)
    rest: list[tuple[str, object]] = []
    swallowed = {item.name for kind, item in items if kind == "tag"}  # type: ignore[attr-defined]
    if items and items[0][0] == "run" and swallowed & _SWALLOWED:
        nodes, rest = items[0][1], items[1:]  # type: ignore[assignment]
    anchor = _anchor(tag, nodes, section=tag.name != "dt")
    text = _heading_text(nodes)
    if not text:
        return rest
    if text.lower() in _NAV_HEADINGS:
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
    return _TERM_LEVEL - 1 + max(len(tag.find_parents("dl")), 1)


def _add_definition(tag: Tag, state: _State) -> list[tuple[str, object]] | None:
    """A short definition read with its term ("Return type: Response", "-a file: True if file
    exists."), as one record however short. Returns the blocks an unclosed `<dd>` swallowed (the
    next `<dt>`), to read next; None when the definition is longer or holds blocks of its own."""
    from bs4 import Tag

    if not state.headings or state.headings[-1][0] < _TERM_LEVEL:
        return None
    items = _children_items(tag)
    rest: list[tuple[str, object]] = []
    swallowed = {item.name for kind, item in items if kind == "tag"}  # type: ignore[attr-defined]
    if items and items[0][0] == "run" and swallowed & {"dt", "dd"}:
        value = normalize(_run_texts(items[0][1])[0])  # type: ignore[arg-type]
        rest = items[1:]
    else:
        blocks = [node for node in tag.descendants if isinstance(node, Tag) and node.name in _BLOCK_NAMES]
        if len(blocks) > 1 or (blocks and blocks[0].name != "p"):
            return None
        value = _flat_text(tag)
    if not value or len(value.split()) > _LINK_LINE_WORDS:
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
    return tag.name == "a" and href.startswith("#") and not _ALNUM.search(tag.get_text())


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
        if node.find(_HEADINGS) is not tag:
            break
        if node.get("id"):
            return str(node.get("id"))
        node = node.parent
    return None


def _add_code(tag: Tag, state: _State) -> None:
    """A `<pre>` block: one passage with every line kept (commands and code are content)."""
    text = _run_texts(tag.children)[0]
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
    return table.find(["table", "pre", "form", "nav", "blockquote", "div", *_HEADINGS]) is None


def _add_table(table: Tag, state: _State) -> None:
    """A data table: one passage per row, each cell with its column header."""
    caption_tag = table.find("caption")
    caption = _flat_text(caption_tag) if caption_tag is not None else None
    headers: list[str] = []
    for row in table.find_all("tr"):
        state.tick()
        cells = row.find_all(["td", "th"], recursive=False)
        if not cells:
            continue
        texts = [_flat_text(cell) for cell in cells]
        if (len(cells) > 1 and all(cell.name == "th" for cell in cells)) or row.find_parent("thead") is not None:
            headers = texts
            continue
        filled = [t for t in texts if t]
        if not filled:
            continue
        if len(filled) == 1:
            # A one-cell row is a line like any other; rows of cells are records even when linked.
            text, outside = _run_texts(cells[texts.index(filled[0])].children)
            if _links_only(text, outside) and row.find("a", href=True) is not None:
                state.collector.drop(row.sourceline, "navigation: links only", filled[0])
                continue
        keep = len(filled) > 1 or _is_command(cells[texts.index(filled[0])].children)
        state.add([table_row_text(headers, texts)], row.sourceline, keep=keep, caption=caption)


def _flat_text(tag: Tag, sep: str = " ") -> str:
    """An element's text with `sep` between blocks (not between inline pieces of a word), normalised
    unless `sep` is a line break."""
    from bs4 import CData, NavigableString, Tag

    parts: list[str] = []
    stack: list[PageElement] = [tag]
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if node.name in _BLOCK_NAMES or node.name == "br":
                parts.append(sep)
            stack.extend(reversed(list(node.children)))
        elif type(node) in (NavigableString, CData):
            parts.append(str(node).replace("\n", " ") if sep == "\n" else str(node))
    text = "".join(parts)
    return text if sep == "\n" else normalize(text)


def _chrome_reason(tag: Tag) -> str | None:
    """Why an element is site navigation rather than content, or None."""
    name = tag.name
    if name in ("nav", "menu"):
        return f"<{name}>"
    if name in ("header", "footer", "aside") and tag.find_parent(_SECTIONING) is None:
        if name == "header" and tag.find(_HEADINGS) is not None:
            return None  # a page header holding the page's title
        return f"<{name}>"
    if name == "form" and tag.find([*_HEADINGS, "main", "article"]) is None:
        return "<form>"
    if name in ("html", "body", "main", "article", "[document]", "dt", *_HEADINGS):
        # Headings and terms are judged by their text (_NAV_HEADINGS); rustdoc's are "code-header".
        return None
    role = str(tag.get("role") or "").lower()
    if role in _NAV_ROLES:
        if role == "banner" and tag.find(_HEADINGS) is not None:
            return None
        return f"role={role}"
    found = _nav_word(tag)
    if found is None:
        return None
    word, strong = found
    # Theme wrappers named after navigation ("wy-nav-content") can hold the whole page.
    if tag.find(["main", "article", "h1"]) is not None or tag.find(attrs={"role": "main"}) is not None:
        return None
    text, outside = _run_texts(tag.children)
    prose = len(outside.split())
    if prose >= _PROSE_WORDS or (not strong and prose * 2 > len(text.split())):
        return None
    return f"class/id {word}"


def _nav_word(tag: Tag) -> tuple[str, bool] | None:
    """The word in an element's class, or its whole id, that names it navigation, and whether that
    word names only navigation; None if none does."""
    for value in tag.get("class") or []:
        lowered = value.lower()
        if any(phrase in lowered for phrase in _NAV_PHRASES):
            return lowered, True
        for word in re.split(r"[-_.:]+", lowered):
            if word in _NAV_WORDS or word.startswith("nav") or word.endswith("nav"):
                return word, True
            if word in _PART_WORDS:
                return word, False
    ident = str(tag.get("id") or "").lower()
    if _slug(ident) not in _NAV_IDS:
        return None
    # A section about "Navigation" gets the id "navigation" from its heading.
    heading = tag.find(_HEADINGS)
    if heading is not None and _slug(heading.get_text()) == _slug(ident):
        return None
    return ident, False


def _slug(text: str) -> str:
    """Lower-case words joined by '-', to compare an id with a heading's text."""
    return "-".join(re.findall(r"[^\W_]+", text.lower()))
