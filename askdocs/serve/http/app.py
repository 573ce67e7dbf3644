"""The HTTP API (`python -m askdocs serve`): FastAPI + uvicorn; AskdocsErrors become HTTP errors here.

One index (`--index DIR`, this module) or a folder of libraries (`--libraries DIR`, api_libraries.py);
both add and remove documents (api_documents.py) unless `--read-only`.
"""

from __future__ import annotations

import copy
import hmac
import ipaddress
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from askdocs import __version__
from askdocs.errors import AskdocsError, UnsafeBindError
from askdocs.index import publication
from askdocs.libraries import libraries_in
from askdocs.records import Hit
from askdocs.search.searcher import Searcher
from askdocs.serve.presentation import MAX_QUESTION_CHARS, hit_to_json

logger = logging.getLogger(__name__)

# uvicorn's worker processes import the app by name, so `serve` hands them its settings here.
INDEX_ENV = "ASKDOCS_INDEX"
TOKEN_ENV = "ASKDOCS_TOKEN"
LIBRARIES_ENV = "ASKDOCS_LIBRARIES"
READ_ONLY_ENV = "ASKDOCS_READ_ONLY"
MAX_K = 100
# The keys of query.MODES, spelled out so the OpenAPI schema lists them (a test checks they agree).
SearchMode = Literal["hybrid", "dense", "keyword"]
# A failed load is retried at once when a new build is published, else after this long: a broken
# index is not re-read (and its checksums recomputed) by every request.
RETRY_SECONDS = 10.0
# askdocs runs offline: FastAPI's OpenTelemetry hooks stay off, even when OTEL_* variables are set.
TELEMETRY_OFF: dict[str, Any] = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong token (only when the server has one)"},
    422: {"model": ErrorBody, "description": "A missing or invalid query parameter"},
    503: {"model": ErrorBody, "description": "No usable index; the message names the command that fixes it"},
}

# /search's parameters, shared by the one-index and the libraries app.
Question = Annotated[str, Query(max_length=MAX_QUESTION_CHARS, description="The question, in plain words.")]
Count = Annotated[int, Query(ge=1, le=MAX_K, description="How many passages to return.")]
Sources = Annotated[list[str] | None, Query(description="Only passages cited from this corpus file (repeatable).")]
Mode = Annotated[SearchMode, Query(description="hybrid (the shipped ranking), dense or keyword.")]


class LiveSearcher:
    """One Searcher per process for an index folder, replaced when a new build is published."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
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
                searcher = Searcher.load(self.index_dir)
            except AskdocsError as error:
                self._failure = (token, time.monotonic(), error)
                raise
            self._live, self._failure = (token, searcher), None
        logger.info("serving build %s of %s", searcher.build.name, self.index_dir)
        return searcher


def is_loopback(host: str) -> bool:
    """True for addresses only this machine reaches: localhost, 127.0.0.0/8, ::1."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # any other host name may resolve to an address others reach


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token (UnsafeBindError)."""
    if not token and not is_loopback(host):
        raise UnsafeBindError(
            f"refusing to listen on {host} without a token: anyone who reaches it could read the index; "
            f"pass --token TOKEN (or set {TOKEN_ENV}), or listen on 127.0.0.1"
        )


def _authorized(header: str | None, token: str) -> bool:
    scheme, _, given = (header or "").partition(" ")
    # Bytes: compare_digest refuses str with non-ASCII characters, which a client may send.
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _validation_message(error: RequestValidationError) -> str:
    parts = []
    for problem in error.errors():
        where, *names = problem.get("loc") or ("request",)
        name = ".".join(str(part) for part in names) or where
        if problem.get("type") == "missing":
            parts.append(f"{where} parameter '{name}' is missing")
        else:
            parts.append(f"{where} parameter '{name}': {problem.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _on_validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
    return _error(422, _validation_message(error))


async def _on_http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    message = str(error.detail)
    # No "endpoint" in the scope: no route matched. An endpoint's own 404 (an unknown library) keeps its message.
    if error.status_code == 404 and "endpoint" not in request.scope:
        message = f"no endpoint at {request.url.path}: the endpoints are listed at /docs"
    return _error(error.status_code, message, dict(error.headers or {}))


async def _on_index_error(request: Request, error: AskdocsError) -> JSONResponse:
    logger.warning("cannot answer %s: %s", request.url.path, error)
    return _error(503, str(error))


def base_app(token: str | None, lifespan: Callable[[FastAPI], Any]) -> FastAPI:
    """A FastAPI app with askdocs's error bodies and, with a token, every endpoint but /health guarded."""
    app = FastAPI(
        title="askdocs",
        version=__version__,
        description="Semantic search with exact citations over a folder of documents, offline.",
        lifespan=lifespan,
        telemetry=TELEMETRY_OFF,
    )
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(AskdocsError, _on_index_error)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if token and request.url.path != "/health" and not _authorized(request.headers.get("authorization"), token):
            return _error(
                401, "missing or wrong token: send `Authorization: Bearer <token>`", {"WWW-Authenticate": "Bearer"}
            )
        try:
            return await call_next(request)
        except Exception:
            # Handled here, not by a handler for Exception, which Starlette re-raises to the server.
            logger.exception("unexpected error answering %s %s", request.method, request.url.path)
            return _error(500, "internal error; the server's log has the details")

    return app


def check_question(q: str) -> None:
    """A 422 for a question with no words in it."""
    if not q.strip():
        raise HTTPException(422, "query parameter 'q' is blank: ask a question with words in it")


def timed_search(searcher: Searcher, q: str, k: int, sources: list[str] | None, mode: str) -> tuple[list[Hit], float]:
    """The searcher's hits and the milliseconds they took."""
    started = time.perf_counter()
    hits = searcher.search(q, k=k, sources=sources, mode=mode)
    return hits, (time.perf_counter() - started) * 1000


def create_app(index_dir: Path, token: str | None = None, read_only: bool = False) -> FastAPI:
    """The API answering from the index at `index_dir`; with a token, every endpoint but /health needs it;
    `read_only`: documents cannot be added or removed."""
    from askdocs.serve.http.routers.documents import documents_router, index_target

    index_dir = Path(index_dir)
    live = LiveSearcher(index_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load before taking requests, so the first question does not wait for the model; a
        # missing index is not fatal: /health reports it and the next request loads a new build.
        try:
            live.get()
        except AskdocsError as error:
            logger.warning("no usable index yet: %s", error)
        yield

    app = base_app(token, lifespan)

    # Plain `def` endpoints: FastAPI runs them in its thread pool, so the CPU-bound search
    # (numpy, onnxruntime, FAISS) never blocks the event loop.
    @app.get("/search", responses=ERROR_RESPONSES)
    def search(q: Question, k: Count = 5, source: Sources = None, mode: Mode = "hybrid") -> dict[str, Any]:
        """The best passages for a question, best first, each as `python -m askdocs ask --json` prints it."""
        check_question(q)
        hits, took_ms = timed_search(live.get(), q, k, source, mode)
        return {"question": q, "hits": [hit_to_json(hit) for hit in hits], "took_ms": round(took_ms, 3)}

    @app.get("/health", responses={503: ERROR_RESPONSES[503]})
    def health() -> dict[str, Any]:
        """The index folder, its live build and counts; 503 when there is no usable index."""
        searcher = live.get()
        counts = searcher.manifest.counts
        return {
            "status": "ok",
            "index": str(index_dir),
            "build": searcher.build.name,
            "chunks": counts.chunks,
            "passages": counts.passages,
        }

    app.include_router(documents_router(lambda: index_target(live.get()), read_only))
    return app


def app_from_env() -> FastAPI:
    """The app for uvicorn's workers: $ASKDOCS_LIBRARIES (a folder of libraries) or else the index folder
    $ASKDOCS_INDEX; with libraries, $ASKDOCS_INDEX is the folder of their indexes. The token from $ASKDOCS_TOKEN,
    read-only when $ASKDOCS_READ_ONLY is 1."""
    token = os.environ.get(TOKEN_ENV) or None
    index = os.environ.get(INDEX_ENV)
    libraries = os.environ.get(LIBRARIES_ENV)
    read_only = os.environ.get(READ_ONLY_ENV) == "1"
    if libraries:
        from askdocs.serve.http.routers.libraries import create_libraries_app

        return create_libraries_app(Path(libraries), Path(index) if index else None, token, read_only)
    return create_app(Path(index or "index"), token, read_only)


def _set_env(name: str, value: object | None) -> None:
    if value:
        os.environ[name] = str(value)
    else:
        os.environ.pop(name, None)  # nothing from the caller's environment changes what is served


def serve(
    index_dir: Path | None,
    host: str = "127.0.0.1",
    port: int = 8000,
    token: str | None = None,
    workers: int = 1,
    libraries: Path | None = None,
    read_only: bool = False,
) -> None:
    """Serve the API with uvicorn until interrupted: the index at `index_dir` (default index/), or every
    library in the folder `libraries` (their indexes under `index_dir`, default DIR/.askdocs-index).
    The token defaults to $ASKDOCS_TOKEN; $ASKDOCS_READ_ONLY=1 (as for the page) also makes it read-only."""
    token = token or os.environ.get(TOKEN_ENV) or None
    read_only = read_only or os.environ.get(READ_ONLY_ENV) == "1"
    check_bind(host, token)
    if workers < 1:
        raise AskdocsError(f"--workers must be 1 or more, not {workers}")
    if not 0 < port < 65536:
        raise AskdocsError(f"--port must be between 1 and 65535, not {port}")
    if libraries is not None:
        # A mistyped or empty folder fails now, as `ingest.py --libraries` does; a library without an
        # index yet is not fatal (a 503 names the command that builds it).
        libraries_in(libraries, index_dir)
    elif index_dir is None:
        index_dir = Path("index")
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    _set_env(INDEX_ENV, index_dir)
    _set_env(LIBRARIES_ENV, libraries)
    _set_env(TOKEN_ENV, token)
    _set_env(READ_ONLY_ENV, "1" if read_only else None)
    # uvicorn sets up logging in every worker: askdocs's messages (a new build served, errors) go
    # where uvicorn's own go.
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["askdocs"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    # An import string and a factory, because each of `workers` processes builds its own app
    # (and Searcher); they memory-map the same build, so the page cache holds it once.
    uvicorn.run(
        "askdocs.serve.http.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=log_config,
    )
