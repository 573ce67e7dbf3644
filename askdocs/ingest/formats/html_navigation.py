"""Telling a page's navigation from its content: menus, sidebars, breadcrumbs, site headers and
footers are found by element, role, class words and id, and left out with their reason; a container
flagged as navigation that holds prose is content after all."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from askdocs.cleaning import is_short_fragment
from askdocs.ingest.formats.html_text import HEADINGS, run_texts

if TYPE_CHECKING:
    from bs4 import Tag

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
NAV_HEADINGS = frozenset(
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


def navigation_reason(tag: Tag) -> str | None:
    """Why an element is site navigation rather than content, or None."""
    name = tag.name
    if name in ("nav", "menu"):
        return f"<{name}>"
    if name in ("header", "footer", "aside") and tag.find_parent(_SECTIONING) is None:
        if name == "header" and tag.find(HEADINGS) is not None:
            return None  # a page header holding the page's title
        return f"<{name}>"
    if name == "form" and tag.find([*HEADINGS, "main", "article"]) is None:
        return "<form>"
    if name == "p" and _is_box_label(tag):
        return None if not is_short_fragment(tag.get_text(" ", strip=True)) else "box label"
    if name in ("html", "body", "main", "article", "[document]", "dt", *HEADINGS):
        # Headings and terms are judged by their text (NAV_HEADINGS); rustdoc's are "code-header".
        return None
    role = str(tag.get("role") or "").lower()
    if role in _NAV_ROLES:
        if role == "banner" and tag.find(HEADINGS) is not None:
            return None
        return f"role={role}"
    found = _nav_word(tag)
    if found is None:
        return None
    word, strong = found
    # Theme wrappers named after navigation ("wy-nav-content") can hold the whole page.
    if tag.find(["main", "article", "h1"]) is not None or tag.find(attrs={"role": "main"}) is not None:
        return None
    text, outside = run_texts(tag.children)
    prose = len(outside.split())
    if prose >= _PROSE_WORDS or (not strong and prose * 2 > len(text.split())):
        return None
    return f"class/id {word}"


def _is_box_label(tag: Tag) -> bool:
    """A note box's label paragraph (DocBook's `<p class="title">Tip</p>`, Sphinx's admonition-title)."""
    return bool({"title", "admonition-title"} & {str(value).lower() for value in tag.get("class") or []})


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
    heading = tag.find(HEADINGS)
    if heading is not None and _slug(heading.get_text()) == _slug(ident):
        return None
    return ident, False


def _slug(text: str) -> str:
    """Lower-case words joined by '-', to compare an id with a heading's text."""
    return "-".join(re.findall(r"[^\W_]+", text.lower()))
