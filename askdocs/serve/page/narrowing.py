"""The page's search filters: type, folder and date controls that write the query language's
operators into the question (so a `?q=` link carries them), the active operators as removable chips,
and a help popover with the syntax (see `search.query`)."""

from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath
from weakref import WeakKeyDictionary

import streamlit as st

from askdocs.search.query import Operator, operator_text, operators, without
from askdocs.search.searcher import Searcher
from askdocs.serve.presentation import safe_markdown

HELP = """**Narrow a search inside the question**

- `"exact phrase"`: only passages containing it (`...` inside stands for any gap)
- `-word`, `-"a phrase"`: leave out passages containing them
- `type:pdf` (several: `type:pdf type:docx`), `folder:NAME`, `file:NAME`
- `after:2024-03-01`, `before:2024-06-30`: by the document's date
- a question of filters only lists the matching documents' passages
"""


def current_question() -> str:
    """The question as typed, taken from the `?q=` link on the page's first run."""
    if "question" not in st.session_state:
        st.session_state.question = st.query_params.get("q", "")
    return str(st.session_state.question)


def _rewrite(kinds: tuple[str, ...], values: list[str]) -> None:
    """Replace the question's operators of `kinds[0]` (and the others listed) with `values` of the first."""
    typed = current_question()
    kept = without(typed, [o for o in operators(typed) if o.kind in kinds])
    added = [operator_text(kinds[0], value) for value in values]
    st.session_state.question = " ".join([kept, *added]).strip()


def _on_list(kind: str) -> None:
    _rewrite((kind,), list(st.session_state[f"narrow-{kind}"]))


def _on_date(kind: str) -> None:
    chosen = st.session_state[f"narrow-{kind}"]
    _rewrite((kind,), [chosen.isoformat()] if isinstance(chosen, date) else [])


def _remove(operator: Operator) -> None:
    """Take an operator out of the question; a phrase's words stay, unquoted (searched as words)."""
    typed = current_question()
    start, end = operator.span
    kept = operator.value.replace("...", " ").replace("…", " ") if operator.kind == "phrase" else ""
    st.session_state.question = " ".join((typed[:start] + kept + typed[end:]).split())


def folders_of(sources: list[str]) -> list[str]:
    """Every folder holding a file of the library, at any depth, sorted."""
    found = {str(parent) for source in sources for parent in PurePosixPath(source).parents if str(parent) != "."}
    return sorted(found)


# Each loaded build's folders, worked out once, not on every rerun of the page; weakly held, so a
# replaced build's searcher is not kept alive by them.
_FOLDERS: WeakKeyDictionary[Searcher, list[str]] = WeakKeyDictionary()


def _library_folders(searcher: Searcher) -> list[str]:
    """`folders_of` the loaded build's files."""
    if searcher not in _FOLDERS:
        _FOLDERS[searcher] = folders_of(searcher.sources())
    return _FOLDERS[searcher]


def _sync(kind: str, value: object) -> None:
    """Show the question's own operators in a control (the question is what is searched)."""
    if st.session_state.get(f"narrow-{kind}") != value:
        st.session_state[f"narrow-{kind}"] = value


def _date_of(found: list[Operator]) -> date | None:
    try:
        return date.fromisoformat(found[-1].value) if found else None
    except ValueError:
        return None


def narrowing_controls(searcher: Searcher) -> None:
    """The sidebar's filters (formats and folders of this library, a date range) and the syntax help."""
    active = operators(current_question())
    of_kind = {kind: [o for o in active if o.kind == kind] for kind in ("type", "folder", "after", "before")}
    formats = sorted(name.lstrip(".") for name in searcher.manifest.counts.formats if name.startswith("."))
    folders = _library_folders(searcher)
    types = [o.value.lower().lstrip(".") for o in of_kind["type"] if o.value.lower().lstrip(".") in formats]
    _sync("type", types)
    _sync("folder", [o.value for o in of_kind["folder"] if o.value in folders])
    _sync("after", _date_of(of_kind["after"]))
    _sync("before", _date_of(of_kind["before"]))
    with st.sidebar:
        st.subheader("Narrow the search")
        st.multiselect("Type", formats, key="narrow-type", on_change=_on_list, args=("type",), placeholder="Any type")
        if folders:
            st.multiselect(
                "Folder", folders, key="narrow-folder", on_change=_on_list, args=("folder",), placeholder="Any folder"
            )
        after, before = st.columns(2)
        after.date_input("After", key="narrow-after", on_change=_on_date, args=("after",), format="YYYY-MM-DD")
        before.date_input("Before", key="narrow-before", on_change=_on_date, args=("before",), format="YYYY-MM-DD")
        with st.popover("Search syntax", icon=":material/help:"):
            st.markdown(HELP)


def operator_chips() -> None:
    """The question's operators as chips; pressing one takes it out of the question."""
    active = operators(current_question())
    if not active:
        return
    chips = st.container(horizontal=True, wrap=True)
    for operator in active:
        chips.button(
            safe_markdown(operator.text) + " ✕",
            key=f"chip-{operator.span[0]}-{operator.text}",
            on_click=_remove,
            args=(operator,),
            type="tertiary",
            help=f"Search for {operator.value} as words" if operator.kind == "phrase" else f"Remove {operator.text}",
        )
