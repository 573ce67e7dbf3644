"""A PDF hit's cited page, shown on its card as a picture with the answering sentence marked."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from askdocs.errors import AskdocsError
from askdocs.records import Hit
from askdocs.search.searcher import Searcher
from askdocs.serve.library_files import library_file
from askdocs.serve.pdf_view import page_png
from askdocs.serve.presentation import safe_html


def offer_pdf_page(searcher: Searcher, hit: Hit, key: str) -> None:
    """A switch that shows the cited PDF page, rendered only when it is turned on."""
    citation = hit.citations[0] if hit.citations else None
    if citation is None or citation.page is None or not citation.source.lower().endswith(".pdf"):
        return
    if not st.toggle(f"Show page {citation.page}", key=key):
        return
    sentence = hit.text[hit.highlight[0] : hit.highlight[1]] if hit.highlight else hit.text
    try:
        path = library_file(Path(searcher.manifest.corpus_path), citation.source, searcher.cites)
        image = page_png(path, citation.page, sentence)
    except AskdocsError as error:
        st.markdown(
            f'<div class="askdocs-cite">The page cannot be shown: {safe_html(str(error))}</div>', unsafe_allow_html=True
        )
        return
    st.image(image)
    # File names come from the corpus folder: escaped like any corpus text.
    where = safe_html(f"{citation.source}, page {citation.page}")
    st.markdown(f'<div class="askdocs-cite">{where}: the answering sentence is marked</div>', unsafe_allow_html=True)
