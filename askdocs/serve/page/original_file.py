"""The original file of a hit, offered on its card as a download (read only when it is pressed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from askdocs.records import Hit
from askdocs.search.searcher import Searcher
from askdocs.serve.library_files import library_file, media_type
from askdocs.serve.uploads import DocumentRefusedError


def offer_original(searcher: Searcher, hit: Hit, key: str) -> None:
    """A download button for the file the hit's first citation names, or a note when it is gone."""
    if not hit.citations or not searcher.manifest.corpus_path:
        return
    source = hit.citations[0].source
    try:
        path = library_file(Path(searcher.manifest.corpus_path), source, searcher.cites)
    except DocumentRefusedError:
        st.caption("The original file is no longer in the library.")
        return
    st.download_button(
        "Download the original",
        data=_reader(path),
        file_name=path.name,
        mime=media_type(path),
        key=key,
        on_click="ignore",
    )


def _reader(path: Path) -> Callable[[], bytes]:
    """The file's bytes, read when the button is pressed (a page of hits does not hold every PDF)."""
    return path.read_bytes
