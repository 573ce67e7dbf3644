"""The HTTP API over a folder of libraries (`python -m askdocs serve --libraries DIR`).

`GET /search?lib=NAME` searches one library, `lib=all` every one, merged as the page merges them;
`lib` may be left out only while the folder holds a single library, so that a client never gets
answers from a library it did not choose (which one is "first" changes as libraries are added).
`GET /libraries` lists them. The folder is listed again whenever it changes, so a library added
after the server started is served once it has an index. Documents are added to and removed from
one library at a time (routers/documents.py): `lib=all` is refused there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel

from askdocs.accounts import User
from askdocs.errors import AskdocsError, rebuild_hint
from askdocs.libraries import ALL, Library, LibraryNotFoundError, find_library, libraries_in
from askdocs.library_settings import LibrarySettings
from askdocs.records import Hit
from askdocs.search.all_libraries import search_all
from askdocs.search.searcher import Searcher
from askdocs.serve.http.access import OWNER, accounts_of, user_of, visible
from askdocs.serve.http.common import (
    ERROR_RESPONSES,
    Count,
    ErrorBody,
    LiveSearcher,
    Mode,
    Question,
    Sources,
    check_question,
    public_text,
    timed_search,
)
from askdocs.serve.http.routers.documents import DocumentTarget
from askdocs.serve.presentation import hit_to_json

LIBRARY_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    404: {"model": ErrorBody, "description": "No library of that name; the message lists the libraries"},
}
Lib = Annotated[
    str | None,
    Query(
        description=f"A library's name (see /libraries), or '{ALL}' for every library, merged. "
        "Required when more than one library is served."
    ),
]
OneLib = Annotated[
    str | None,
    Query(description="A library's name (see /libraries). Required when more than one library is served."),
]


class LibraryUnusableError(AskdocsError):
    """A library has no usable index."""


class LibraryInfo(BaseModel):
    """One library as /libraries lists it; the counts are null while it has no usable index."""

    name: str
    title: str
    files: int | None
    passages: int | None
    usable: bool
    error: str | None = None
    # Each language's share of the library's text (ISO 639-1 codes), and the model that choice gave.
    languages: dict[str, float] | None = None
    model: str | None = None


class LibraryList(BaseModel):
    """The body of /libraries."""

    libraries: list[LibraryInfo]


class LiveLibraries:
    """A folder of libraries as it is now, each library with a LiveSearcher of its index."""

    def __init__(self, root: Path, index_root: Path | None) -> None:
        self.root, self.index_root = Path(root), index_root
        self.fix = f"python ingest.py --libraries {root}" + (f" --index {index_root}" if index_root else "")
        self._lock = threading.Lock()
        # (the folder's mtime when listed, its libraries), replaced as one value.
        self._listed: tuple[int | None, list[Library]] = (None, [])
        self._live: dict[Path, LiveSearcher] = {}

    def libraries(self, fresh: bool = False) -> list[Library]:
        """Every library, listed again when the folder changed (adding or removing a subfolder changes its mtime)."""
        stamp = self._stamp()
        listed = self._listed
        if not fresh and stamp is not None and listed[0] == stamp:
            return listed[1]
        with self._lock:
            found = libraries_in(self.root, self.index_root)
            self._listed = (stamp, found)
            # A removed library's searcher is let go.
            kept = {library.index_dir for library in found}
            self._live = {index_dir: live for index_dir, live in self._live.items() if index_dir in kept}
        return found

    def find(self, name: str, user: User = OWNER) -> Library:
        """The library of that name the user may read, or a 404 listing the names they may."""
        found = visible(self.libraries(), user)
        if all(library.name != name for library in found):
            found = visible(self.libraries(fresh=True), user)  # the folder's mtime may lag (a coarse clock, NFS)
        try:
            return find_library(found, name)
        except LibraryNotFoundError as error:
            raise HTTPException(404, f"{error} (or '{ALL}')") from None

    def searcher(self, library: Library) -> Searcher:
        """The live searcher of a library's index; LibraryUnusableError naming the command when it has none."""
        live = self._live.get(library.index_dir)
        if live is None:
            with self._lock:
                live = self._live.setdefault(library.index_dir, LiveSearcher(library.index_dir))
        try:
            return live.get()
        except AskdocsError as error:
            # The index's own hint (`ingest.py --index ...`) would build it from the wrong corpus folder.
            reason = str(error).removesuffix(f": {rebuild_hint(library.index_dir)}")
            raise LibraryUnusableError(
                f"library '{library.name}' cannot be searched: {reason}; run `{self.fix}` to build it"
            ) from None

    def _stamp(self) -> int | None:
        try:
            return self.root.stat().st_mtime_ns
        except OSError:
            return None  # listing raises the error that says what is wrong


def labelled(hit: Hit, library: str) -> dict[str, Any]:
    """A hit as `ask --json` prints it, with the library it came from."""
    return {**hit_to_json(hit), "library": library}


def _chosen(live: LiveLibraries, lib: str | None, user: User, allow_all: bool = True) -> str:
    """The library a request names; the only one (the user may read) when it names none, else a 422 listing them."""
    if lib is not None:
        return lib
    libraries = visible(live.libraries(), user)
    if len(libraries) == 1:
        return libraries[0].name
    names = ", ".join(library.name for library in libraries)
    also = f", or '{ALL}'" if allow_all else ""
    raise HTTPException(
        422, f"query parameter 'lib' is missing: several libraries are served; name one of {names}{also}"
    )


def _search_all(live: LiveLibraries, q: str, k: int, mode: str, user: User) -> dict[str, Any]:
    """Every usable library's hits (of those the user may read), merged as the page merges them, and the
    libraries that could not be searched."""
    searchers: dict[str, Searcher] = {}
    problems: list[dict[str, str]] = []
    for library in visible(live.libraries(), user):
        try:
            searchers[library.name] = live.searcher(library)
        except LibraryUnusableError as error:
            problems.append({"library": library.name, "error": public_text(str(error))})
    if not searchers:
        raise LibraryUnusableError("; ".join(problem["error"] for problem in problems))
    started = time.perf_counter()
    found = search_all(searchers, q, k, mode)
    took_ms = (time.perf_counter() - started) * 1000
    return {
        "question": q,
        "library": ALL,
        "hits": [labelled(hit, name) for name, _, hit in found],
        "took_ms": round(took_ms, 3),
        "not_searched": problems,
    }


def _info(live: LiveLibraries, library: Library) -> LibraryInfo:
    try:
        manifest = live.searcher(library).manifest
    except LibraryUnusableError as error:
        return LibraryInfo(
            name=library.name,
            title=library.name,
            files=None,
            passages=None,
            usable=False,
            error=public_text(str(error)),
        )
    title = LibrarySettings.from_json(manifest.library, library.name).title
    counts = manifest.counts
    return LibraryInfo(
        name=library.name,
        title=title,
        files=counts.files,
        passages=counts.passages,
        usable=True,
        languages=manifest.languages,
        model=manifest.model,
    )


def _health(live: LiveLibraries, library: Library) -> dict[str, Any]:
    try:
        searcher = live.searcher(library)
    except LibraryUnusableError as error:
        return {"status": "unusable", "error": public_text(str(error))}
    counts = searcher.manifest.counts
    return {"status": "ok", "build": searcher.build.name, "chunks": counts.chunks, "passages": counts.passages}


def libraries_router(live: LiveLibraries) -> APIRouter:
    """GET /search (`lib=NAME` or `lib=all`), GET /libraries and GET /health over a folder of libraries."""
    router = APIRouter()

    # Plain `def` endpoints, as in routers/search.py: the search runs in FastAPI's thread pool.
    @router.get("/search", responses=LIBRARY_RESPONSES)
    def search(
        request: Request, q: Question, lib: Lib = None, k: Count = 5, source: Sources = None, mode: Mode = "hybrid"
    ) -> dict[str, Any]:
        """The best passages for a question from one library (or all), best first, each labelled with its library."""
        parsed = check_question(q)
        user = user_of(request)
        name = _chosen(live, lib, user)
        if name == ALL:
            if source:
                raise HTTPException(
                    422, f"query parameter 'source' filters one library's files: pass lib=NAME, not lib={ALL}"
                )
            return {**_search_all(live, q, k, mode, user), "query": parsed.to_json()}
        library = live.find(name, user)
        hits, took_ms = timed_search(live.searcher(library), q, k, source, mode)
        return {
            "question": q,
            "query": parsed.to_json(),
            "library": library.name,
            "hits": [labelled(hit, library.name) for hit in hits],
            "took_ms": round(took_ms, 3),
            "not_searched": [],
        }

    @router.get("/libraries", responses={401: ERROR_RESPONSES[401], 503: ERROR_RESPONSES[503]})
    def libraries(request: Request) -> LibraryList:
        """Every library served (that the user may read): its name, title, counts, and whether it has a usable
        index (else why not)."""
        return LibraryList(libraries=[_info(live, library) for library in visible(live.libraries(), user_of(request))])

    @router.get("/health", responses={503: ERROR_RESPONSES[503]})
    def health(request: Request) -> dict[str, Any]:
        """Each library's live build and counts; "degraded" when some cannot be searched, 503 when none can."""
        status = {library.name: _health(live, library) for library in visible(live.libraries(), user_of(request))}
        problems = [entry["error"] for entry in status.values() if entry["status"] != "ok"]
        if len(problems) == len(status):
            raise LibraryUnusableError("; ".join(problems))
        return {"status": "degraded" if problems else "ok", "folder": str(live.root), "libraries": status}

    return router


def library_target(live: LiveLibraries) -> Callable[..., DocumentTarget]:
    """The FastAPI dependency naming the one library a documents request is about (its `lib` parameter)."""

    def documents_target(request: Request, lib: OneLib = None) -> DocumentTarget:
        """The one library a documents request is about (a 404 for one the user may not read); `lib=all` is a 422."""
        user = user_of(request)
        name = _chosen(live, lib, user, allow_all=False)
        if name == ALL:
            raise HTTPException(422, f"a document belongs to one library: pass lib=NAME, not lib={ALL}")
        library = live.find(name, user)
        return DocumentTarget(library, live.searcher(library), user, accounts_of(request))

    return documents_target
