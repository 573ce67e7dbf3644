"""The text of HTML elements as a reader sees it: which elements are blocks and which flow inline,
a run of inline nodes' text (and the part of it outside links), an element's flat text, the source
line a node starts on, and whether a short line is only links or one command."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from askdocs.cleaning import normalize

if TYPE_CHECKING:
    from bs4 import PageElement, Tag

HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# Elements that start a block of text; anything else (span, a, code, custom inline tags) flows into
# the text around it.
BLOCK_NAMES = frozenset(
    [
        *HEADINGS,
        *(
            "address article aside blockquote body caption center details dd dialog div dl dt fieldset "
            "figcaption figure footer form head header hgroup hr html legend li main menu nav ol p pre "
            "section summary table tbody td tfoot th thead tr ul"
        ).split(),
    ]
)
# Inline elements that hold code: one of them alone on a line may be a command, kept however short.
_CODE_INLINE = frozenset(["code", "kbd", "samp", "tt"])
# A line ending like a sentence ("Sign up for a GitHub account.") is content even when it is a link.
_SENTENCE = re.compile(r"[.!?]$")
# Text without a letter or digit (a bullet, a separator) is not worth a passage.
LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# Link-only lines longer than this may be sentences or titles worth keeping.
LINK_LINE_WORDS = 12


def children_items(tag: Tag) -> list[tuple[str, object]]:
    """A container's children in order: block children to read, and runs of inline nodes between them."""
    from bs4 import CData, NavigableString, Tag

    items: list[tuple[str, object]] = []
    run: list[PageElement] = []
    for child in tag.children:
        if isinstance(child, Tag):
            if child.name not in BLOCK_NAMES and not _holds_block(child):
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

    return any(isinstance(node, Tag) and node.name in BLOCK_NAMES for node in tag.descendants)


def is_command(nodes: Iterable[PageElement]) -> bool:
    """Whether inline nodes are one `<code>`/`<kbd>` holding a command or statement (words with
    spaces: code, kept however short); a lone identifier is not."""
    from bs4 import Tag

    solid = [n for n in nodes if isinstance(n, Tag) or n.get_text().strip()]
    if len(solid) != 1 or not isinstance(solid[0], Tag) or solid[0].name not in _CODE_INLINE:
        return False
    return " " in normalize(solid[0].get_text())


def links_only(text: str, outside_links: str) -> bool:
    """A short line whose words are all link text: a menu entry, not a sentence or a printed URL."""
    clean = normalize(text)
    if LETTER_OR_DIGIT.search(outside_links) or len(clean.split()) > LINK_LINE_WORDS:
        return False
    return not _SENTENCE.search(clean) and "://" not in clean and "www." not in clean


def run_texts(nodes: Iterable[PageElement]) -> tuple[str, str]:
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


def has_link(nodes: Iterable[PageElement]) -> bool:
    """Whether any of the nodes is or holds a link."""
    from bs4 import Tag

    return any(
        isinstance(n, Tag) and ((n.name == "a" and n.has_attr("href")) or n.find("a", href=True) is not None)
        for n in nodes
    )


def line_of(node: PageElement) -> int | None:
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


def flat_text(tag: Tag, sep: str = " ") -> str:
    """An element's text with `sep` between blocks (not between inline pieces of a word), normalised
    unless `sep` is a line break."""
    from bs4 import CData, NavigableString, Tag

    parts: list[str] = []
    stack: list[PageElement] = [tag]
    while stack:
        node = stack.pop()
        if isinstance(node, Tag):
            if node.name in BLOCK_NAMES or node.name == "br":
                parts.append(sep)
            stack.extend(reversed(list(node.children)))
        elif type(node) in (NavigableString, CData):
            parts.append(str(node).replace("\n", " ") if sep == "\n" else str(node))
    text = "".join(parts)
    return text if sep == "\n" else normalize(text)
