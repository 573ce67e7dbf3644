"""The HTTP API (`python -m askdocs serve`): FastAPI + uvicorn; AskdocsErrors become HTTP errors here.

This module assembles the apps: one index (`--index DIR`, routers/search.py) or a folder of libraries
(`--libraries DIR`, routers/libraries.py); both add and remove documents (routers/documents.py) unless
`--read-only`. What the routers share is in common.py.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from askdocs import __version__
from askdocs.accounts import folder_accounts
from askdocs.errors import AskdocsError, QuerySyntaxError
from askdocs.libraries import libraries_in
from askdocs.serve.environment import (
    ALLOWED_HOSTS_ENV,
    HOST_ENV,
    INDEX_ENV,
    LIBRARIES_ENV,
    READ_ONLY_ENV,
    SIGN_IN_PROXY_ENV,
    TOKEN_ENV,
    USER_HEADER_ENV,
)
from askdocs.serve.http.access import AccessRules, identify
from askdocs.serve.http.common import LiveSearcher, check_bind, public_text
from askdocs.serve.http.routers.documents import documents_router, index_target
from askdocs.serve.http.routers.files import files_router
from askdocs.serve.http.routers.libraries import LibraryUnusableError, LiveLibraries, libraries_router, library_target
from askdocs.serve.http.routers.search import search_router
from askdocs.serve.http.routers.tokens import tokens_router
from askdocs.serve.http.routers.views import views_router
from askdocs.serve.request_origin import LOOPBACK_NAMES, allowed_hosts, foreign_reason, hosts_from_setting

logger = logging.getLogger(__name__)

# askdocs runs offline: FastAPI's OpenTelemetry hooks stay off, even when OTEL_* variables are set.
TELEMETRY_OFF: dict[str, Any] = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


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
    message = str(error.detail) if error.status_code < 500 else public_text(str(error.detail))
    # No "endpoint" in the scope: no route matched. An endpoint's own 404 (an unknown library) keeps its message.
    if error.status_code == 404 and "endpoint" not in request.scope:
        message = f"no endpoint at {request.url.path}: the endpoints are listed at /openapi.json"
    return _error(error.status_code, message, dict(error.headers or {}))


async def _on_index_error(request: Request, error: AskdocsError) -> JSONResponse:
    if isinstance(error, QuerySyntaxError):
        return _error(422, public_text(str(error)))
    logger.warning("cannot answer %s: %s", request.url.path, error)
    return _error(503, public_text(str(error)))


def base_app(
    token: str | None,
    lifespan: Callable[[FastAPI], Any],
    hosts: frozenset[str] | None,
    access: AccessRules | None = None,
) -> FastAPI:
    """A FastAPI app with askdocs's error bodies, answering only requests addressed to `hosts` (any:
    None) from no other site's page, and with a token, every endpoint guarded (/health says only "ok").
    `access`: a folder of libraries' rules instead (accounts, the shared token, a sign-in proxy)."""
    app = FastAPI(
        title="askdocs",
        version=__version__,
        description="Semantic search with exact citations over a folder of documents, offline.",
        lifespan=lifespan,
        telemetry=TELEMETRY_OFF,
        # Swagger UI and ReDoc load from a CDN, blank offline; the schema itself is /openapi.json.
        docs_url=None,
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(AskdocsError, _on_index_error)

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        foreign = foreign_reason(request.headers.get("host"), request.headers.get("origin"), hosts)
        if foreign:
            return _error(403, foreign)
        refused = identify(request, token, access)
        if refused:
            if request.url.path == "/health":
                return JSONResponse({"status": "ok"})  # up, and nothing more without the token
            return _error(401, refused, {"WWW-Authenticate": "Bearer"})
        try:
            return await call_next(request)
        except Exception:
            # Handled here, not by a handler for Exception, which Starlette re-raises to the server.
            logger.exception("unexpected error answering %s %s", request.method, request.url.path)
            return _error(500, "internal error; the server's log has the details")

    return app


def create_app(
    index_dir: Path,
    token: str | None = None,
    read_only: bool = False,
    hosts: frozenset[str] | None = LOOPBACK_NAMES,
    live: LiveSearcher | None = None,
) -> FastAPI:
    """The API answering from the index at `index_dir`; with a token, every endpoint but /health needs it;
    `read_only`: documents cannot be added or removed; `hosts`: the host names it answers to; `live`:
    its searcher, when the build is opened otherwise than from its files (serve/cluster/)."""
    live = live or LiveSearcher(Path(index_dir))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load before taking requests, so the first question does not wait for the model; a
        # missing index is not fatal: /health reports it and the next request loads a new build.
        try:
            # In a thread: a build served by Ray is opened by blocking calls to its shards.
            await asyncio.to_thread(live.get)
        except AskdocsError as error:
            logger.warning("no usable index yet: %s", error)
        yield

    app = base_app(token, lifespan, hosts)
    app.include_router(search_router(live))
    app.include_router(documents_router(lambda: index_target(live.get()), read_only))
    app.include_router(files_router(lambda: index_target(live.get())))
    app.include_router(views_router(lambda: index_target(live.get())))
    return app


def create_libraries_app(
    root: Path,
    index_root: Path | None = None,
    token: str | None = None,
    read_only: bool = False,
    hosts: frozenset[str] | None = LOOPBACK_NAMES,
    access: AccessRules | None = None,
) -> FastAPI:
    """The API answering from every library in the folder `root`, their indexes under `index_root`
    (default ROOT/.askdocs-index); with a token, every endpoint but /health needs it; `read_only`:
    documents cannot be added or removed. Once the folder has accounts, every request needs a user,
    who sees only their libraries (`access`, default: the folder's accounts and the token)."""
    live = LiveLibraries(Path(root), Path(index_root) if index_root else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Every library loaded before taking requests; one without an index is reported, not fatal.
        try:
            for library in live.libraries():
                try:
                    live.searcher(library)
                except LibraryUnusableError as error:
                    logger.warning("%s", error)
        except AskdocsError as error:
            logger.warning("no libraries to serve yet: %s", error)
        yield

    app = base_app(token, lifespan, hosts, access or AccessRules.for_folder(root, token))
    app.include_router(libraries_router(live))
    app.include_router(tokens_router())
    app.include_router(documents_router(library_target(live), read_only))
    app.include_router(files_router(library_target(live)))
    app.include_router(views_router(library_target(live)))
    return app


def app_from_env() -> FastAPI:
    """The app for uvicorn's workers: $ASKDOCS_LIBRARIES (a folder of libraries) or else the index folder
    $ASKDOCS_INDEX; with libraries, $ASKDOCS_INDEX is the folder of their indexes. The token from $ASKDOCS_TOKEN,
    read-only when $ASKDOCS_READ_ONLY is 1."""
    token = os.environ.get(TOKEN_ENV) or None
    index = os.environ.get(INDEX_ENV)
    libraries = os.environ.get(LIBRARIES_ENV)
    read_only = os.environ.get(READ_ONLY_ENV) == "1"
    hosts = allowed_hosts(os.environ.get(HOST_ENV, "127.0.0.1"), hosts_from_setting(os.environ.get(ALLOWED_HOSTS_ENV)))
    if libraries:
        proxy, header = os.environ.get(SIGN_IN_PROXY_ENV), os.environ.get(USER_HEADER_ENV, "")
        access = AccessRules.for_folder(Path(libraries), token, proxy or None, header)
        return create_libraries_app(Path(libraries), Path(index) if index else None, token, read_only, hosts, access)
    return create_app(Path(index or "index"), token, read_only, hosts)


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
    hosts: list[str] | None = None,
    sign_in_proxy: str | None = None,
    user_header: str | None = None,
) -> None:
    """Serve the API with uvicorn until interrupted: the index at `index_dir` (default index/), or every
    library in the folder `libraries` (their indexes under `index_dir`, default DIR/.askdocs-index).
    The token defaults to $ASKDOCS_TOKEN; $ASKDOCS_READ_ONLY=1 (as for the page) also makes it read-only;
    `hosts` (and $ASKDOCS_ALLOWED_HOSTS) are host names it answers to besides its address and loopback.
    A folder of libraries with accounts needs a user on every request; `sign_in_proxy` (an address) may
    name one in the header `user_header` (serve/http/access.py)."""
    token = token or os.environ.get(TOKEN_ENV) or None
    read_only = read_only or os.environ.get(READ_ONLY_ENV) == "1"
    check_bind(host, token, libraries is not None and folder_accounts(Path(libraries)) is not None)
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
    _set_env(HOST_ENV, host)
    _set_env(SIGN_IN_PROXY_ENV, sign_in_proxy)
    _set_env(USER_HEADER_ENV, user_header)
    _set_env(ALLOWED_HOSTS_ENV, ",".join([*(hosts or []), *hosts_from_setting(os.environ.get(ALLOWED_HOSTS_ENV))]))
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
        # h11, not httptools (which Ray Serve installs): a malformed body gets askdocs's own 411 or
        # 400 with its reason (tests/test_http_documents.py), not httptools' bare "Invalid HTTP request".
        http="h11",
    )
