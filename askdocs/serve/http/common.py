"""What the HTTP API's routers share: error bodies, /search's parameters, the live searcher of an index,
and the rule for where the API may listen."""

from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import HTTPException, Query
from pydantic import BaseModel

from askdocs.errors import AskdocsError, QuerySyntaxError, UnsafeBindError
from askdocs.index import publication
from askdocs.records import Hit
from askdocs.search.query import ParsedQuery, parse_query
from askdocs.search.searcher import OpenIndex, Searcher
from askdocs.serve.environment import TOKEN_ENV
from askdocs.serve.presentation import MAX_QUESTION_CHARS
from askdocs.serve.request_origin import is_loopback
from askdocs.serve.uploads import DocumentMissingError, NotADocumentError

logger = logging.getLogger(__name__)

MAX_K = 100
# The keys of query.MODES, spelled out so the OpenAPI schema lists them (a test checks they agree).
SearchMode = Literal["hybrid", "dense", "keyword"]
# A failed load is retried at once when a new build is published, else after this long: a broken
# index is not re-read (and its checksums recomputed) by every request.
RETRY_SECONDS = 10.0


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong token (only when the server has one)"},
    422: {"model": ErrorBody, "description": "A missing or invalid query parameter"},
    503: {"model": ErrorBody, "description": "No usable index; the message names the command that fixes it"},
}
# An absolute file-system path inside a message: shown relative to the working folder, or by its name.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s'\"`:,;()/]+/)*[^\s'\"`:,;()/]+")


def public_text(message: str) -> str:
    """A message fit for a response body: no absolute path of this machine (the index, a library's
    source folder, a library's files), only names relative to the working folder or file names."""
    here = Path.cwd()

    def shorten(match: re.Match[str]) -> str:
        path = Path(match.group())
        return path.relative_to(here).as_posix() if path.is_relative_to(here) else path.name

    return _ABSOLUTE_PATH.sub(shorten, message)


# /search's parameters, shared by the one-index and the libraries app.
Question = Annotated[str, Query(max_length=MAX_QUESTION_CHARS, description="The question, in plain words.")]
Count = Annotated[int, Query(ge=1, le=MAX_K, description="How many passages to return.")]
Sources = Annotated[list[str] | None, Query(description="Only passages cited from this corpus file (repeatable).")]
Mode = Annotated[SearchMode, Query(description="hybrid (the shipped ranking), dense or keyword.")]


class LiveSearcher:
    """One Searcher per process for an index folder, replaced when a new build is published."""

    def __init__(self, index_dir: Path, open_index: OpenIndex | None = None) -> None:
        self.index_dir = index_dir
        # How a build is opened: its files (by default) or its shards' Ray Serve deployments (serve/cluster/).
        self.open_index = open_index
        self._lock = threading.Lock()
        # (build token, searcher), replaced as one value so a request never pairs one's token with another's searcher.
        self._live: tuple[str | None, Searcher] | None = None
        self._failure: tuple[str | None, float, AskdocsError] | None = None

    def get(self) -> Searcher:
        """The searcher of the live build, loading it first when a new build was published."""
        token = publication.current_token(self.index_dir)
        live = self._live
        if live is not None and live[0] == token:
            return live[1]
        with self._lock:
            # Requests that waited here while another one loaded this build use that one.
            live = self._live
            if live is not None and live[0] == token:
                return live[1]
            failure = self._failure
            if failure is not None and failure[0] == token and time.monotonic() - failure[1] < RETRY_SECONDS:
                # A fresh traceback each time: re-raising the stored one would grow it request by request.
                raise failure[2].with_traceback(None)
            try:
                # Should another build be published between reading the token and loading, the next
                # request sees a token that differs from the one recorded and loads once more.
                searcher = Searcher.load(self.index_dir, open_index=self.open_index)
            except AskdocsError as error:
                self._failure = (token, time.monotonic(), error)
                raise
            self._live, self._failure = (token, searcher), None
        logger.info("serving build %s of %s", searcher.build.name, self.index_dir)
        return searcher


def refused_document(error: DocumentMissingError | NotADocumentError) -> HTTPException:
    """A document name refused, as its HTTP error: 404 for one not (or no longer) in the library, 422
    for a name that cannot be one of its documents (absolute, hidden, `..`, leading outside)."""
    return HTTPException(404 if isinstance(error, DocumentMissingError) else 422, str(error))


def check_question(q: str) -> ParsedQuery:
    """The question's operators parsed; a 422 for a blank question or a malformed operator."""
    if not q.strip():
        raise HTTPException(422, "query parameter 'q' is blank: ask a question with words in it")
    try:
        return parse_query(q)
    except QuerySyntaxError as error:
        raise HTTPException(422, public_text(str(error))) from None


def timed_search(searcher: Searcher, q: str, k: int, sources: list[str] | None, mode: str) -> tuple[list[Hit], float]:
    """The searcher's hits and the milliseconds they took."""
    started = time.perf_counter()
    hits = searcher.search(q, k=k, sources=sources, mode=mode)
    return hits, (time.perf_counter() - started) * 1000


def check_bind(host: str, token: str | None, accounts: bool = False) -> None:
    """Refuse to listen beyond this machine without a token or accounts (UnsafeBindError)."""
    if not token and not accounts and not is_loopback(host):
        raise UnsafeBindError(
            f"refusing to listen on {host} without a token or accounts: anyone who reaches it could read the "
            f"index; pass --token TOKEN (or set {TOKEN_ENV}), add users to a folder of libraries "
            "(python -m askdocs users --libraries DIR add NAME ...), or listen on 127.0.0.1"
        )
