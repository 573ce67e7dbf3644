"""The Streamlit search page; `app.py` calls `main()`. Corpus text is always escaped here."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st

from askdocs.errors import AskdocsError
from askdocs.index import publication
from askdocs.index.build_folder import Manifest, format_counts
from askdocs.ingest.corpus import changed_files
from askdocs.languages import describe
from askdocs.libraries import ALL, Library, find_library, single_library
from askdocs.library_settings import LibrarySettings
from askdocs.records import Hit
from askdocs.search.all_libraries import search_all
from askdocs.search.query import parse_query
from askdocs.search.searcher import Searcher
from askdocs.serve.page.account_panel import admin_view, own_tokens, wants_admin_view
from askdocs.serve.page.documents_panel import load_all, manage_documents, pick_library, served_libraries
from askdocs.serve.page.ingest_progress import index_problem, progress_caption
from askdocs.serve.page.narrowing import current_question, narrowing_controls, operator_chips
from askdocs.serve.page.options import PageOptions, page_options
from askdocs.serve.page.request_guard import refuse_unsafe_requests
from askdocs.serve.page.signed_in import PageAccount, account_sidebar, page_account, shared_accounts
from askdocs.serve.page.style import STYLE
from askdocs.serve.page.viewer_dialog import offer_view
from askdocs.serve.presentation import (
    MAX_QUESTION_CHARS,
    QuestionTerms,
    marked_html,
    safe_html,
    safe_link,
    safe_markdown,
)


@st.cache_resource(max_entries=32, show_spinner="Loading the index and the model…")
def load_searcher(index_dir: str, build_token: str | None) -> Searcher:
    """The searcher for one published build; a new build (new token) loads afresh."""
    return Searcher.load(index_dir)


def corpus_changes(corpus_dir: str, manifest: Manifest) -> list[str]:
    """Corpus files changed since the build (a stat per file; hashing only files whose time changed)."""
    if not Path(corpus_dir).is_dir():
        return []
    return changed_files(Path(corpus_dir), manifest.corpus_files)


def _choose_example(question: str) -> None:
    st.session_state.question = question


def _sidebar(searcher: Searcher, fix: str) -> tuple[int, list[str]]:
    manifest = searcher.manifest
    counts = manifest.counts
    with st.sidebar:
        k = st.slider("Number of results", 1, 20, 5)
        sources = st.multiselect("Only these files", searcher.sources(), placeholder="All files")
        st.subheader("Index")
        lines = [
            f"{counts.files} documents · {counts.passages} passages · {counts.chunks} chunks",
            f"{counts.duplicates_merged} duplicates merged · {counts.dropped_lines} lines dropped",
            "files: " + format_counts(counts.formats),
            f"languages: {describe(manifest.languages)} · model {manifest.model} · built {manifest.built_at}",
        ]
        st.markdown("<br>".join(safe_html(line) for line in lines), unsafe_allow_html=True)
        changed = corpus_changes(manifest.corpus_path, manifest)
        if changed:
            st.warning(
                f"{len(changed)} corpus file(s) changed after this index was built. "
                f"Run `{fix}` to update it, or keep `--watch` running."
            )
            # File names come from the corpus folder: escaped like any corpus text.
            st.markdown(safe_html(", ".join(changed[:5])), unsafe_allow_html=True)
    return k, sources


def _citations_html(hit: Hit, library: str = "") -> str:
    named = f"Library: {safe_html(library)} · " if library else ""
    return f'<div class="askdocs-cite">{named}Source: {safe_link(hit.citations[0])}</div>'


def _card(searcher: Searcher, hit: Hit, rank: int, question: str, library: str = "") -> None:
    with st.container(border=True):
        # The bar shows closeness in meaning, the measure `confident` is decided on, so a weak
        # match listed below an answer never carries the longer bar (the ranking score, which
        # also weighs keywords, can be higher for it).
        closeness = hit.similarity if hit.similarity is not None else hit.score
        width = round(100 * max(0.0, min(1.0, closeness)))
        bar_class = "askdocs-bar" if hit.confident else "askdocs-bar askdocs-weak"
        label = "" if hit.confident else " · weak match"
        st.markdown(
            f'<b>#{rank}</b>{label} &nbsp; <span class="{bar_class}" title="closeness in meaning {closeness:.2f}">'
            f'<span style="width:{width}%"></span></span> <span class="askdocs-cite">match {closeness:.2f}'
            f" · score {hit.score:.2f}</span>",
            unsafe_allow_html=True,
        )
        # The question's words, as the keyword index matched them: why the passage was found.
        terms = QuestionTerms.of(question, searcher.keyword_analysis)
        st.markdown(
            f'<div class="askdocs-passage" dir="auto">{marked_html(hit.text, hit.highlight, terms)}</div>',
            unsafe_allow_html=True,
        )
        st.markdown(_citations_html(hit, library), unsafe_allow_html=True)
        offer_view(searcher, hit, key=f"open-{library}-{rank}")
        if len(hit.citations) > 1:
            with st.expander(f"Also in {len(hit.citations) - 1} other place(s)"):
                for citation in hit.citations[1:]:
                    st.markdown(f"- {safe_link(citation)}", unsafe_allow_html=True)


def _best_answer(searcher: Searcher, hit: Hit, question: str) -> None:
    start, end = hit.highlight or (0, len(hit.text))
    terms = QuestionTerms.of(question, searcher.keyword_analysis)
    with st.container(border=True):
        st.markdown("**Best answer**")
        st.markdown(
            f'<div class="askdocs-answer" dir="auto">{marked_html(hit.text[start:end], None, terms)}</div>{_citations_html(hit)}',
            unsafe_allow_html=True,
        )
        offer_view(searcher, hit, key="open-best")


def _load_or_stop(index_dir: Path, fix: str) -> tuple[Searcher, str | None]:
    """The live build's searcher and its build token, or the error and the command that fixes it."""
    token = publication.current_token(index_dir)
    try:
        return load_searcher(str(index_dir), token), token
    except AskdocsError as error:
        index_problem(index_dir, token, str(error), fix)
        st.stop()
        raise  # st.stop() ends the run; this line only tells type checkers so


def _header(library: LibrarySettings) -> None:
    # The library's own words (askdocs.toml, or its folder's name): corpus text, so escaped.
    st.markdown(f"# {safe_html(library.title)}", unsafe_allow_html=True)
    if library.description:
        st.markdown(safe_html(library.description), unsafe_allow_html=True)
    if library.notice:
        st.caption(safe_html(library.notice), unsafe_allow_html=True)


def _question(examples: list[str], derived: bool) -> str | None:
    """The question box and example buttons; the question (cut to length), or None when empty."""
    current_question()
    placeholder = f"e.g. {examples[0]}" if examples else "Type a question"
    question = st.text_input("Ask a question", key="question", placeholder=placeholder, max_chars=None)
    if examples:
        if derived:
            st.caption("Questions from the library itself:")
        for column, example in zip(st.columns(len(examples)), examples):
            column.button(safe_markdown(example), on_click=_choose_example, args=(example,), use_container_width=True)
    if not question.strip():
        st.query_params.pop("q", None)
        st.info("Type a question and press Enter" + (", or pick an example above." if examples else "."))
        return None
    if len(question) > MAX_QUESTION_CHARS:
        st.warning(f"That question is long; only its first {MAX_QUESTION_CHARS} characters were used.")
        question = question[:MAX_QUESTION_CHARS]
    st.query_params["q"] = question
    operator_chips()
    return question


def _nothing_found(question: str) -> str:
    """Why nothing came back, and the way out: an exact phrase no passage holds is the usual cause."""
    phrases = parse_query(question).phrases
    if phrases:
        quoted = ", ".join(f'"{phrase}"' for phrase in phrases)
        return (
            f"No passage holds the exact phrase {quoted}. To search for its words instead, press its ✕ "
            "under the question (the quotes go, the words stay)."
        )
    return "No passages matched. Try other words, or remove a filter."


def _show_hits(hits: list[tuple[Searcher, Hit, str]], elapsed: float, question: str) -> None:
    """The best answer and the result cards; each hit with its searcher and, when several are served, its library."""
    if not hits:
        st.info(_nothing_found(question))
    elif any(hit.confident for _, hit, _ in hits):
        _best_answer(*next((searcher, hit) for searcher, hit, _ in hits if hit.confident), question)
        for rank, (searcher, hit, library) in enumerate(hits, 1):
            _card(searcher, hit, rank, question, library)
    else:
        st.warning("Nothing in the library answers this well. The nearest passages are below, marked as weak.")
        with st.expander(f"{len(hits)} weak matches"):
            for rank, (searcher, hit, library) in enumerate(hits, 1):
                _card(searcher, hit, rank, question, library)
    st.caption(f"{len(hits)} results in {elapsed * 1000:.0f} ms")


def _serve_one(
    library: Library, loaded: tuple[Searcher, str | None], options: PageOptions, fix: str, account: PageAccount
) -> None:
    """The page for one library (its searcher and build token): header, sidebar, documents panel, answers."""
    searcher, token = loaded
    settings = LibrarySettings.from_json(searcher.manifest.library, library.name)
    _header(settings)
    progress_caption(library.index_dir)
    k, sources = _sidebar(searcher, fix)
    narrowing_controls(searcher)
    writes = not options.read_only and account.user.may("write", library.name)
    manage_documents(library, searcher, token, not writes, account)
    question = _question(settings.examples, settings.derived_examples)
    if question is None:
        return
    _, note = searcher.prepare_question(question)
    if note:
        st.caption(note)
    started = time.perf_counter()
    try:
        hits = searcher.search(question, k=k, sources=sources or None)
    except AskdocsError as error:
        # A malformed operator (the message names the syntax), or dates an old index lacks.
        st.error(str(error))
        return
    _show_hits([(searcher, hit, "") for hit in hits], time.perf_counter() - started, question)


def _serve_all(libraries: list[Library], fix: str) -> None:
    """Every library at once, chosen as "All libraries": the hits of each, merged."""
    searchers, problems = load_all(libraries, load_searcher)
    st.markdown("# All libraries")
    for library in libraries:
        if library.name in searchers:
            notice = LibrarySettings.from_json(searchers[library.name].manifest.library, library.name).notice
            if notice:
                st.caption(safe_html(f"{library.name}: {notice}"), unsafe_allow_html=True)
    for problem in problems:
        st.warning(f"Not searched: {problem}")
    with st.sidebar:
        k = st.slider("Number of results", 1, 20, 5)
    if problems:
        st.code(fix, language="bash")
    question = _question([], False)
    if question is None or not searchers:
        return
    started = time.perf_counter()
    try:
        found = search_all(searchers, question, k)
    except AskdocsError as error:
        # A malformed operator (the message names the syntax), or dates an old index lacks.
        st.error(str(error))
        return
    _show_hits([(searcher, hit, name) for name, searcher, hit in found], time.perf_counter() - started, question)


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="askdocs", page_icon="🔎", layout="centered")
    st.markdown(STYLE, unsafe_allow_html=True)
    options = page_options()
    accounts = shared_accounts(options)
    refuse_unsafe_requests(options.read_only, accounts is not None)
    try:
        account = page_account(options, accounts)
        libraries = served_libraries(options, account.user)
    except AskdocsError as error:
        st.title("askdocs")
        st.error(str(error))
        st.stop()
        return
    account_sidebar(account)
    own_tokens(account)
    if libraries is None:
        index = Path(options.index or "index")
        fix = f"python ingest.py --index {index}"
        loaded = _load_or_stop(index, fix)
        corpus = Path(loaded[0].manifest.corpus_path)
        _serve_one(single_library(corpus, index), loaded, options, fix, account)
        return
    if wants_admin_view(account):
        admin_view(account, libraries)
        return
    if not libraries:
        st.title("askdocs")
        st.info("No library is given to you yet: ask an admin to give you one.")
        return
    fix = f"python ingest.py --libraries {options.libraries}" + (f" --index {options.index}" if options.index else "")
    chosen = pick_library(libraries)
    if chosen == ALL:
        _serve_all(libraries, fix)
        return
    library = find_library(libraries, chosen)
    _serve_one(library, _load_or_stop(library.index_dir, fix), options, fix, account)
