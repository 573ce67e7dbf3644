"""The Streamlit search page; `app.py` calls `main()`. Corpus text is always escaped here."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import streamlit as st

from askdocs import store
from askdocs.build import changed_files
from askdocs.errors import AskdocsError
from askdocs.index_format import Manifest
from askdocs.library import LibrarySettings
from askdocs.presentation import MAX_QUESTION_CHARS, format_counts, marked_html, safe_html, safe_link, safe_markdown
from askdocs.records import Hit
from askdocs.search import Searcher

STYLE = """<style>
mark { background: #fde68a; color: inherit; padding: 0 .1em; border-radius: .2em; }
.askdocs-cite { font-size: .85rem; opacity: .8; }
.askdocs-passage { line-height: 1.55; overflow-wrap: anywhere; }
.askdocs-bar { display: inline-block; width: 6rem; height: .5rem; background: #e5e7eb; border-radius: .25rem; vertical-align: middle; }
.askdocs-bar > span { display: block; height: 100%; background: #16a34a; border-radius: .25rem; }
.askdocs-weak > span { background: #9ca3af; }
.askdocs-answer { font-size: 1.15rem; line-height: 1.6; overflow-wrap: anywhere; }
</style>"""


def index_dir_from_args() -> str:
    """The index folder: `streamlit run app.py -- --index DIR`, else $ASKDOCS_INDEX, else `index`."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--index", default=os.environ.get("ASKDOCS_INDEX", "index"))
    args, _ = parser.parse_known_args()
    return args.index


@st.cache_resource(max_entries=2, show_spinner="Loading the index and the model…")
def load_searcher(index_dir: str, build_token: str | None) -> Searcher:
    """The searcher for one published build; a new build (new token) loads afresh."""
    return Searcher.load(index_dir)


def corpus_changes(corpus_dir: str, manifest: Manifest) -> list[str]:
    """Corpus files changed since the build (a stat per file; hashing only files whose time changed)."""
    if not Path(corpus_dir).is_dir():
        return []
    return changed_files(Path(corpus_dir), manifest)


def _choose_example(question: str) -> None:
    st.session_state.question = question


def _sidebar(searcher: Searcher, index_dir: str) -> tuple[int, list[str]]:
    manifest = searcher.manifest
    counts = manifest.counts
    with st.sidebar:
        k = st.slider("Number of results", 1, 20, 5)
        sources = st.multiselect("Only these files", searcher.sources(), placeholder="All files")
        st.subheader("Index")
        st.markdown(
            safe_html(f"{counts.files} documents · {counts.passages} passages · {counts.chunks} chunks")
            + "<br>"
            + safe_html(f"{counts.duplicates_merged} duplicates merged · {counts.dropped_lines} lines dropped")
            + "<br>"
            + safe_html("files: " + format_counts(counts.formats))
            + "<br>"
            + safe_html(f"model {manifest.model} · built {manifest.built_at}"),
            unsafe_allow_html=True,
        )
        changed = corpus_changes(manifest.corpus_path, manifest)
        if changed:
            st.warning(
                f"{len(changed)} corpus file(s) changed after this index was built. "
                f"Run `python ingest.py --index {index_dir}` to update it."
            )
            # File names come from the corpus folder: escaped like any corpus text.
            st.markdown(safe_html(", ".join(changed[:5])), unsafe_allow_html=True)
    return k, sources


def _citations_html(hit: Hit) -> str:
    return f'<div class="askdocs-cite">Source: {safe_link(hit.citations[0])}</div>'


def _card(searcher: Searcher, hit: Hit, rank: int) -> None:
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
        st.markdown(
            f'<div class="askdocs-passage">{marked_html(hit.text, hit.highlight)}</div>', unsafe_allow_html=True
        )
        st.markdown(_citations_html(hit), unsafe_allow_html=True)
        if len(hit.citations) > 1:
            with st.expander(f"Also in {len(hit.citations) - 1} other place(s)"):
                for citation in hit.citations[1:]:
                    st.markdown(f"- {safe_link(citation)}", unsafe_allow_html=True)
        context = searcher.context(hit)
        if context:
            with st.expander("Surrounding text in the source"):
                for text, is_hit in context:
                    body = marked_html(text, (0, len(text))) if is_hit else safe_html(text)
                    st.markdown(f'<div class="askdocs-passage">{body}</div>', unsafe_allow_html=True)


def _best_answer(hit: Hit) -> None:
    start, end = hit.highlight or (0, len(hit.text))
    with st.container(border=True):
        st.markdown("**Best answer**")
        st.markdown(
            f'<div class="askdocs-answer">{safe_html(hit.text[start:end])}</div>{_citations_html(hit)}',
            unsafe_allow_html=True,
        )


def main() -> None:
    """Render the page."""
    st.set_page_config(page_title="askdocs", page_icon="🔎", layout="centered")
    st.markdown(STYLE, unsafe_allow_html=True)
    index_dir = index_dir_from_args()
    token = store.current_token(Path(index_dir))
    try:
        searcher = load_searcher(index_dir, token)
    except AskdocsError as error:
        st.title("askdocs")
        st.error(f"The index cannot be used: {error}")
        st.code(f"python ingest.py --index {index_dir}", language="bash")
        st.stop()
    manifest = searcher.manifest
    # The library's own words (askdocs.toml, or its folder's name): corpus text, so escaped.
    library = LibrarySettings.from_json(manifest.library, Path(manifest.corpus_path).name or "askdocs")
    st.markdown(f"# {safe_html(library.title)}", unsafe_allow_html=True)
    if library.description:
        st.markdown(safe_html(library.description), unsafe_allow_html=True)
    if library.notice:
        st.caption(safe_html(library.notice), unsafe_allow_html=True)
    k, sources = _sidebar(searcher, index_dir)
    examples = library.examples

    if "question" not in st.session_state:
        st.session_state.question = st.query_params.get("q", "")
    placeholder = f"e.g. {examples[0]}" if examples else "Type a question"
    question = st.text_input("Ask a question", key="question", placeholder=placeholder, max_chars=None)
    if examples:
        if library.derived_examples:
            st.caption("Questions from the library itself:")
        for column, example in zip(st.columns(len(examples)), examples):
            column.button(safe_markdown(example), on_click=_choose_example, args=(example,), use_container_width=True)

    if not question.strip():
        st.query_params.clear()
        st.info("Type a question and press Enter" + (", or pick an example above." if examples else "."))
        return
    if len(question) > MAX_QUESTION_CHARS:
        st.warning(f"That question is long; only its first {MAX_QUESTION_CHARS} characters were used.")
        question = question[:MAX_QUESTION_CHARS]
    st.query_params["q"] = question
    _, note = searcher.prepare_question(question)
    if note:
        st.caption(note)
    started = time.perf_counter()
    hits = searcher.search(question, k=k, sources=sources or None)
    elapsed = time.perf_counter() - started
    if not hits:
        st.info("No passages matched. Try other words, or clear the file filter.")
    elif any(hit.confident for hit in hits):
        _best_answer(next(hit for hit in hits if hit.confident))
        for rank, hit in enumerate(hits, 1):
            _card(searcher, hit, rank)
    else:
        st.warning("Nothing in the library answers this well. The nearest passages are below, marked as weak.")
        with st.expander(f"{len(hits)} weak matches"):
            for rank, hit in enumerate(hits, 1):
                _card(searcher, hit, rank)
    st.caption(f"{len(hits)} results in {elapsed * 1000:.0f} ms")
