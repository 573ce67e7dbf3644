"""What the page says while a long ingest publishes a library in steps, and the wait for its first step.

The progress comes from the index folder (`index/progress.py`), so the page reports an ingest run by
any process: its own background ingest, the watcher of `make run`, a terminal's `ingest.py`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from askdocs.index import publication
from askdocs.index.progress import read_progress

# How often a page without an index looks for the first build (a step of the ingest under way).
FIRST_BUILD_POLL_SECONDS = 1.0


def progress_caption(index_dir: Path) -> None:
    """Under the header while an ingest publishes in steps: what is searchable now and the time left.

    Each step's publication reruns the page (documents_panel.follow_builds), which refreshes this line."""
    progress = read_progress(index_dir)
    if progress is not None:
        st.info(f"Still reading the library: {progress.describe()}. Answers come from the files read so far.")


def index_problem(index_dir: Path, token: str | None, problem: str, fix: str) -> None:
    """The index cannot be used: say why and the command that fixes it. With none published yet (`token`
    None), say how far the first ingest is instead, if one runs, and reload as soon as a build is published."""
    if token is not None:
        st.error(f"The index cannot be used: {problem}")
        st.code(fix, language="bash")
        return

    @st.fragment(run_every=FIRST_BUILD_POLL_SECONDS)
    def first_build() -> None:
        if publication.current_token(index_dir) is not None:
            st.rerun(scope="app")
        progress = read_progress(index_dir)
        if progress is not None:
            st.info(f"Reading the library for the first time: {progress.describe()}. This page opens by itself.")
        else:
            st.error(f"The index cannot be used: {problem}")
            st.code(fix, language="bash")

    first_build()
