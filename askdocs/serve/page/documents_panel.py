"""The page's library controls: which libraries it serves, the picker, and adding or removing documents.

The page serves one index (`-- --index DIR`) or a folder of libraries (`-- --libraries DIR`,
libraries.py); `-- --read-only` hides uploading and removal for a shared deployment. Uploads are
saved by uploads.py and ingested by one BackgroundIngest per library, shared by every session.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from askdocs.accounts import folder_has_accounts
from askdocs.errors import AccountError, AskdocsError
from askdocs.index import publication
from askdocs.index.build_folder import BuildReader
from askdocs.index.progress import read_progress
from askdocs.ingest.formats import SUPPORTED
from askdocs.libraries import ALL, Library, libraries_in
from askdocs.search.searcher import Searcher
from askdocs.serve.background import ingest_of
from askdocs.serve.environment import INDEX_ENV, LIBRARIES_ENV, READ_ONLY_ENV
from askdocs.serve.presentation import safe_html
from askdocs.serve.uploads import UPLOAD_LIMITS, DocumentRefusedError, UploadRefusedError, remove_file, save_uploads

# How long the page shows what the last ingest did.
DONE_SHOWN_SECONDS = 60.0


@dataclass(frozen=True)
class PageOptions:
    """How the page was started: `streamlit run app.py -- [--index DIR] [--libraries DIR] [--read-only]`.

    `index` is the index folder, or with `libraries` the folder holding their indexes (None: the default).
    """

    index: str | None
    libraries: str | None
    read_only: bool


def page_options() -> PageOptions:
    """The page's options from its command line, else $ASKDOCS_INDEX / $ASKDOCS_LIBRARIES / $ASKDOCS_READ_ONLY."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--index", default=os.environ.get(INDEX_ENV))
    parser.add_argument("--libraries", default=os.environ.get(LIBRARIES_ENV))
    parser.add_argument("--read-only", action="store_true", default=os.environ.get(READ_ONLY_ENV) == "1")
    args, _ = parser.parse_known_args()
    return PageOptions(args.index, args.libraries, args.read_only)


def served_libraries(options: PageOptions) -> list[Library] | None:
    """The libraries of a folder of libraries; None when the page serves one index.

    A folder with accounts is refused (AccountError): the page cannot sign people in yet, and without a
    sign-in it would show every library to whoever reaches it; the HTTP API serves it, per user."""
    if options.libraries is None:
        return None
    if folder_has_accounts(Path(options.libraries)):
        raise AccountError(
            f"the libraries in {options.libraries} have accounts, and this page cannot sign people in yet: "
            f"search them through the HTTP API with your own token (python -m askdocs serve --libraries "
            f"{options.libraries}; an admin prints a token with python -m askdocs users --libraries "
            f"{options.libraries} token NAME)"
        )
    return libraries_in(Path(options.libraries), Path(options.index) if options.index else None)


def pick_library(libraries: list[Library]) -> str:
    """The sidebar's library picker, opened at `?lib=NAME`; returns a library's name or ALL."""
    names = [library.name for library in libraries]
    choices = [*names, ALL] if len(names) > 1 else names
    if "library" not in st.session_state:
        wanted = st.query_params.get("lib", names[0])
        st.session_state.library = wanted if wanted in choices else names[0]
    label = {ALL: "All libraries"}
    with st.sidebar:
        chosen = st.selectbox("Library", choices, key="library", format_func=lambda name: label.get(name, name))
    st.query_params["lib"] = chosen
    return chosen


def manage_documents(library: Library, searcher: Searcher, shown_token: str | None, read_only: bool) -> None:
    """The sidebar's "Add documents" form, removal, and the background ingest's progress (not when read-only)."""
    with st.sidebar:
        if not read_only:
            _unreadable_uploads(searcher)
            with st.expander("Add or remove documents"):
                _upload_form(library, searcher)
                _removal(library, searcher)
        _follow_builds(library, shown_token, read_only)


def _unreadable_uploads(searcher: Searcher) -> None:
    """Once a build holds this session's uploads, say which of them it could not read and why, until removed."""
    in_build = set(searcher.manifest.corpus_files)
    waiting: set[str] = st.session_state.get("uploaded", set())
    unreadable: dict[str, str] = st.session_state.get("unreadable", {})
    if waiting & in_build:
        skipped = BuildReader(searcher.build).skipped_files()
        unreadable |= {name: skipped[name] for name in waiting & in_build if name in skipped}
        st.session_state.uploaded = waiting - in_build
    st.session_state.unreadable = unreadable = {n: r for n, r in unreadable.items() if n in in_build}
    for name, reason in sorted(unreadable.items()):
        # Names and reasons come from the uploader's files: escaped like corpus text.
        st.warning(safe_html(f"{name} was added but cannot be searched: {reason}"))


def _upload_form(library: Library, searcher: Searcher) -> None:
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "Drop files here",
            type=[suffix.lstrip(".") for suffix in SUPPORTED],
            accept_multiple_files=True,
            max_upload_size=UPLOAD_LIMITS.max_file_bytes // 1_000_000,
        )
        submitted = st.form_submit_button("Add to the library")
    if not (submitted and files):
        return
    try:
        results = save_uploads(
            library.corpus_dir,
            [(file.name, file.getvalue()) for file in files],
            UPLOAD_LIMITS,
            searcher.manifest.corpus_files,
        )
    except (UploadRefusedError, OSError) as error:
        st.error(str(error))
        return
    # Names come from the uploader's computer: escaped like corpus text.
    for result in results:
        if result.status == "saved":
            st.success(safe_html(f"Added {result.saved_as}"))
        elif result.status == "duplicate":
            st.info(safe_html(f"{result.name} is already in the library as {result.saved_as}"))
        else:
            st.error(safe_html(result.reason))
    saved = {result.saved_as for result in results if result.status == "saved"}
    if saved:
        st.session_state.uploaded = st.session_state.get("uploaded", set()) | saved
        ingest_of(library).request()


def _removal(library: Library, searcher: Searcher) -> None:
    sources = searcher.sources()
    if not sources:
        return
    chosen = st.selectbox("Remove a document", sources, index=None, placeholder="Choose a file", key="remove_choice")
    if chosen and st.button("Remove it from the library", key="remove"):
        try:
            remove_file(library.corpus_dir, chosen)
        except DocumentRefusedError as error:
            st.error(safe_html(str(error)))
            return
        st.success(safe_html(f"Removed {chosen}"))
        ingest_of(library).request()


@st.fragment(run_every=1.0)
def _follow_builds(library: Library, shown_token: str | None, read_only: bool) -> None:
    """A new build (from the page's ingest, the watcher or a terminal) reloads the page; the page's ingest's stage."""
    if publication.current_token(library.index_dir) != shown_token:
        st.rerun(scope="app")
    progress = read_progress(library.index_dir)
    if progress is not None:
        st.caption(progress.describe())
    if read_only:
        return
    status = ingest_of(library).status()
    if status.running:
        st.info(safe_html(f"Updating the library: {status.stage} ({time.time() - status.started:.0f} s)"))
    elif status.error:
        st.error(safe_html(f"The last update failed; the library is unchanged. {status.error}"))
    elif status.runs and time.time() - status.finished < DONE_SHOWN_SECONDS:
        st.success("The library is up to date.")


def load_all(
    libraries: list[Library], load: Callable[[str, str | None], Searcher]
) -> tuple[dict[str, Searcher], list[str]]:
    """A searcher for every library that has a usable index, and a line for each that has not."""
    searchers: dict[str, Searcher] = {}
    problems: list[str] = []
    for library in libraries:
        try:
            searchers[library.name] = load(str(library.index_dir), publication.current_token(library.index_dir))
        except AskdocsError as error:
            problems.append(f"{library.name}: {error}")
    return searchers, problems
