"""The page's library controls: which libraries it serves, the picker, and adding or removing documents.

The page serves one index (`-- --index DIR`) or a folder of libraries (`-- --libraries DIR`,
libraries.py); `-- --read-only` hides uploading and removal for a shared deployment. Uploads are
saved by uploads.py and ingested by one BackgroundIngest per library, shared by every session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from askdocs.accounts import OWNER, User
from askdocs.errors import AskdocsError
from askdocs.index import publication
from askdocs.index.build_folder import BuildReader
from askdocs.index.progress import read_progress
from askdocs.ingest.formats import SUPPORTED
from askdocs.libraries import ALL, Library, libraries_in
from askdocs.search.searcher import Searcher
from askdocs.serve.background import ingest_of
from askdocs.serve.page.options import PageOptions
from askdocs.serve.page.signed_in import PageAccount
from askdocs.serve.presentation import safe_html
from askdocs.serve.uploads import UPLOAD_LIMITS, DocumentRefusedError, UploadRefusedError, remove_file, save_uploads

# How long the page shows what the last ingest did.
DONE_SHOWN_SECONDS = 60.0


def served_libraries(options: PageOptions, user: User = OWNER) -> list[Library] | None:
    """The libraries of a folder of libraries the user may read; None when the page serves one index."""
    if options.libraries is None:
        return None
    every = libraries_in(Path(options.libraries), Path(options.index) if options.index else None)
    return [library for library in every if user.may("read", library.name)]


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


def manage_documents(
    library: Library, searcher: Searcher, shown_token: str | None, read_only: bool, account: PageAccount
) -> None:
    """The sidebar's "Add documents" form, removal, and the background ingest's progress (not when read-only);
    uploads and removals are recorded in the audit log under the account's user (when there are accounts)."""
    with st.sidebar:
        if not read_only:
            _unreadable_uploads(searcher)
            with st.expander("Add or remove documents"):
                _upload_form(library, searcher, account)
                _removal(library, searcher, account)
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


def _upload_form(library: Library, searcher: Searcher, account: PageAccount) -> None:
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
    for name in sorted(saved):
        account.record("upload", f"{library.name}/{name}")
    if saved:
        st.session_state.uploaded = st.session_state.get("uploaded", set()) | saved
        ingest_of(library).request()


def _removal(library: Library, searcher: Searcher, account: PageAccount) -> None:
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
        account.record("remove", f"{library.name}/{chosen}")
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
