"""The "Open" control on each hit: a dialog showing the source at the cited place, the answering
sentence marked (see `serve.viewer`), with the original file to download. Corpus text is escaped here
like everywhere on the page; a PDF or an image is shown as a rendered PNG, never as active content."""

from __future__ import annotations

import streamlit as st

from askdocs.errors import AskdocsError
from askdocs.records import Hit
from askdocs.search.searcher import Searcher
from askdocs.serve.page.original_file import offer_original
from askdocs.serve.presentation import marked_html, safe_html
from askdocs.serve.uploads import DocumentRefusedError
from askdocs.serve.viewer import View, open_view
from askdocs.serve.viewer.views import Block, PictureView, TableRow, TableView, TextView


def offer_view(searcher: Searcher, hit: Hit, key: str) -> None:
    """An "Open" button that shows the hit's first citation in a dialog."""
    if hit.citations and st.button("Open", key=key, icon=":material/open_in_new:", help="Show the cited place"):
        st.session_state[f"{key}-page"] = None
        _viewer(searcher, hit, key)


@st.dialog("Source", width="large")
def _viewer(searcher: Searcher, hit: Hit, key: str) -> None:
    """The dialog (re-run on its own when a page is turned)."""
    citation = hit.citations[0]
    mark = hit.text[hit.highlight[0] : hit.highlight[1]] if hit.highlight else None
    try:
        view = open_view(searcher, citation, mark, hit.passage_id, st.session_state.get(f"{key}-page"))
    except DocumentRefusedError as error:
        st.warning(f"This document is no longer in the library: {error}")
        return
    except AskdocsError as error:
        st.warning(f"The cited place cannot be shown: {error}")
        offer_original(searcher, hit, key=f"{key}-original")
        return
    # File names and headings come from the corpus: escaped like any corpus text.
    st.markdown(f'<div class="askdocs-cite">{safe_html(view.place)}</div>', unsafe_allow_html=True)
    offer_original(searcher, hit, key=f"{key}-original")
    _show(view, key)


def _show(view: View, key: str) -> None:
    """One view, by its kind."""
    if isinstance(view, TextView):
        _show_text(view)
    elif isinstance(view, TableView):
        st.markdown(_table_html(view), unsafe_allow_html=True)
    else:
        _show_picture(view, key)


def _block_html(block: Block) -> str:
    heading = f'<div class="askdocs-heading">{safe_html(block.heading)}</div>' if block.heading else ""
    css = "askdocs-block askdocs-cited" if block.cited else "askdocs-block"
    body = marked_html(block.text, block.mark) if block.cited else safe_html(block.text)
    return f'{heading}<div class="{css}" dir="auto">{body}</div>'


def _show_text(view: TextView) -> None:
    """The section: earlier passages folded away, then the cited one (marked) and those after it."""
    if view.earlier:
        with st.expander(f"Earlier in this section ({view.earlier} passages)"):
            st.markdown("".join(map(_block_html, view.blocks[: view.earlier])), unsafe_allow_html=True)
    shown = "".join(map(_block_html, view.blocks[view.earlier :]))
    st.markdown(f'<div class="askdocs-view">{shown}</div>', unsafe_allow_html=True)


def _row_html(row: TableRow, cell: str = "td") -> str:
    cells = "".join(f"<{cell}>{safe_html(text)}</{cell}>" for text in row.cells)
    css = ' class="askdocs-cited-row"' if row.cited else ""
    return f'<tr{css}><th scope="row">{row.number}</th>{cells}</tr>'


def _table_html(view: TableView) -> str:
    """The header row, then the rows around the cited one, the cited row marked."""
    head = f"<thead>{_row_html(view.header, 'th')}</thead>" if view.header else ""
    body = "".join(map(_row_html, view.rows))
    return f'<table class="askdocs-table">{head}<tbody>{body}</tbody></table>'


def _show_picture(view: PictureView, key: str) -> None:
    """A rendered PDF page (previous/next above it) or an image, and whether the sentence was found on it."""
    if view.page is not None and view.pages is not None:
        earlier, where, later = st.columns([1, 2, 1], vertical_alignment="center")
        where.markdown(f"Page {view.page} of {view.pages}")
        if earlier.button("Previous page", key=f"{key}-previous", disabled=view.page <= 1):
            st.session_state[f"{key}-page"] = view.page - 1
            st.rerun(scope="fragment")
        if later.button("Next page", key=f"{key}-next", disabled=view.page >= view.pages):
            st.session_state[f"{key}-page"] = view.page + 1
            st.rerun(scope="fragment")
    if view.marked:
        st.caption("The answering sentence is marked.")
    elif view.cited:
        st.caption("The answering sentence could not be located on this picture.")
    st.image(view.png, width="stretch", alt=view.place)
