"""Adding and removing documents over HTTP, as the page does: POST /documents, DELETE /documents/{source},
GET /documents/status.

An upload is read as it arrives (upload_stream.py): its count, names and sizes are checked while it
streams into hidden temporary files, then it is saved by uploads.py with the page's limits and
ingested by one BackgroundIngest per library per process. With `serve --workers N` each process has
its own BackgroundIngest: their ingests queue on the index's lock (BackgroundIngest calls
`build_index(lock_wait=...)`), so two processes never write one index at once, and each status
describes the ingest of the process that answers (the live `build` changes for all of them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from askdocs.accounts import AccountStore, User
from askdocs.errors import AskdocsError
from askdocs.index.build_folder import BuildReader
from askdocs.index.progress import read_progress
from askdocs.libraries import Library, single_library
from askdocs.search.searcher import Searcher
from askdocs.serve.background import ingest_of
from askdocs.serve.http import upload_stream
from askdocs.serve.http.access import OWNER, client_address, require
from askdocs.serve.http.common import ERROR_RESPONSES, ErrorBody, refused_document
from askdocs.serve.http.ingest_state import IngestInfo, Searchable, ingest_info, searchable_info
from askdocs.serve.uploads import (
    UPLOAD_LIMITS,
    DocumentMissingError,
    NotADocumentError,
    StagedUpload,
    UploadRefusedError,
    UploadResult,
    remove_file,
    save_staged,
)

logger = logging.getLogger(__name__)

# A body larger than the most one upload may add (plus room for the multipart framing) is refused
# before it is stored.
MAX_BODY_BYTES = UPLOAD_LIMITS.max_files * (UPLOAD_LIMITS.max_file_bytes + 64_000)
READ_ONLY_MESSAGE = "this server is read-only (serve --read-only): documents cannot be added or removed"
# Sent with a refusal of a body not (all) read: otherwise the server would go on reading and dropping
# a body nobody wants, and a chunked one has no announced end.
CLOSE = {"Connection": "close"}
FRAMING_MESSAGE = "send the upload with a Content-Length header and no Transfer-Encoding"


DOCUMENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    200: {"description": "Nothing new was saved"},
    400: {"model": ErrorBody, "description": "A body not a whole multipart form, or past its Content-Length"},
    403: {"model": ErrorBody, "description": "The server is read-only (POST and DELETE)"},
    404: {"model": ErrorBody, "description": "No library of that name, or (DELETE) no such document in it"},
    411: {"model": ErrorBody, "description": "An upload without Content-Length, or with a Transfer-Encoding"},
    413: {"model": ErrorBody, "description": "More files, or more bytes, than one upload may add"},
    422: {
        "model": ErrorBody,
        "description": "A missing or invalid parameter, a name outside the library, every file refused",
    },
}


class CorpusFolderMissingError(AskdocsError):
    """The live build does not name a corpus folder that exists, so nothing can be added to it."""


@dataclass(frozen=True)
class DocumentTarget:
    """The library a request adds to or removes from, and the searcher of its live build."""

    library: Library
    searcher: Searcher
    user: User = OWNER  # who asks (serve/http/access.py)
    accounts: AccountStore | None = None  # where their changes are recorded, when the folder has accounts


class FileResult(BaseModel):
    """One uploaded file: saved (as `saved_as`), a duplicate (of `saved_as`) or refused (`reason`)."""

    name: str
    status: Literal["saved", "duplicate", "refused"]
    saved_as: str
    reason: str


class Unreadable(BaseModel):
    """A corpus file the live build could not read, and why."""

    source: str
    reason: str


class UploadAnswer(BaseModel):
    """The body of POST /documents."""

    library: str
    files: list[FileResult]
    ingest: IngestInfo


class RemovalAnswer(BaseModel):
    """The body of DELETE /documents/{source}."""

    library: str
    removed: str
    ingest: IngestInfo


class DocumentsStatus(BaseModel):
    """The body of GET /documents/status."""

    library: str
    build: str
    ingest: IngestInfo
    # Set while an ingest (this server's, the watcher's, a terminal's) publishes the library in steps.
    searchable: Searchable | None = None
    unreadable: list[Unreadable]


def index_target(searcher: Searcher) -> DocumentTarget:
    """One index's library: the corpus folder its live build was made from (CorpusFolderMissingError if gone)."""
    corpus = searcher.manifest.corpus_path
    # Saving into a new empty folder would make the next ingest drop every document of the index.
    if not corpus or not Path(corpus).is_dir():
        raise CorpusFolderMissingError(
            f"the corpus folder the index {searcher.index_dir} was built from ({corpus or 'not recorded'}) "
            f"is not there; run `python ingest.py --corpus DIR --index {searcher.index_dir}` to build it from DIR"
        )
    return DocumentTarget(single_library(Path(corpus), searcher.index_dir), searcher)


def unreadable_files(searcher: Searcher) -> list[Unreadable]:
    """The files the live build skipped (could not read, too large, ...), from its report."""
    try:
        skipped = BuildReader(searcher.build).skipped_files()
    except (OSError, json.JSONDecodeError):
        return []  # a build without a readable report: nothing to say
    return [Unreadable(source=source, reason=reason) for source, reason in skipped.items()]


def _write_route(read_only: bool) -> type[APIRoute]:
    """Routes that refuse, before the body is read, a Transfer-Encoding, a read-only server, a body too large."""

    class WriteRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handle = super().get_route_handler()

            async def checked(request: Request) -> Response:
                # Any Transfer-Encoding, even beside a Content-Length: a chunked body is framed by its chunks,
                # not by the length checked below, so "Content-Length: 100" could front 60 MB.
                if "transfer-encoding" in request.headers:
                    raise HTTPException(411, FRAMING_MESSAGE, CLOSE)
                if read_only:
                    raise HTTPException(403, READ_ONLY_MESSAGE)
                length = request.headers.get("content-length")
                if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
                    raise HTTPException(
                        413,
                        f"an upload may add at most {UPLOAD_LIMITS.max_files} files of "
                        f"{UPLOAD_LIMITS.max_file_bytes:,} bytes; add them in parts",
                        CLOSE,
                    )
                return await handle(request)

            return checked

    return WriteRoute


def documents_router(target: Callable[..., DocumentTarget], read_only: bool) -> APIRouter:
    """POST /documents, DELETE /documents/{source} and GET /documents/status; `target` is a FastAPI
    dependency naming the library a request is about (it declares `lib` when there are several)."""
    the_library = Depends(target)
    router = APIRouter(tags=["documents"])
    writes = APIRouter(tags=["documents"], route_class=_write_route(read_only))

    # Plain `def` endpoints, as in routers/search.py: saving, hashing and reading reports run in the thread
    # pool. POST is `async` to read its body as it arrives; its parsing and saving run in the pool too.
    @writes.post(
        "/documents",
        status_code=202,
        responses=_responses(200, 400, 401, 403, 404, 411, 413, 422, 503),
        openapi_extra=upload_stream.openapi_body(UPLOAD_LIMITS),  # the body is read by upload_stream.py
    )
    async def add_documents(request: Request, response: Response, chosen: DocumentTarget = the_library) -> UploadAnswer:
        """Save files into the library and ingest it in the background: 202 when something was saved
        (poll /documents/status), 200 when every file was already there, 422 when every one was refused."""
        library = chosen.library
        require(chosen.user, "write", library.name)
        results = await _receive_and_save(request, chosen)
        ingest = ingest_of(library)
        saved = [result.saved_as for result in results if result.status == "saved"]
        if saved:
            _record(request, chosen, "upload", saved)
            ingest.request()
        else:
            response.status_code = 200
        return UploadAnswer(
            library=library.name, files=[_result(r) for r in results], ingest=ingest_info(ingest.status())
        )

    @writes.delete("/documents/{source:path}", status_code=202, responses=_responses(401, 403, 404, 411, 422, 503))
    def remove_document(request: Request, source: str, chosen: DocumentTarget = the_library) -> RemovalAnswer:
        """Delete a document (its path as citations give it) from the library and ingest it in the background."""
        library = chosen.library
        require(chosen.user, "write", library.name)
        try:
            remove_file(library.corpus_dir, source)
        except (DocumentMissingError, NotADocumentError) as error:  # not there; or the settings file, `..`
            raise refused_document(error) from None
        _record(request, chosen, "remove", [source])
        ingest = ingest_of(library)
        ingest.request()
        return RemovalAnswer(library=library.name, removed=source, ingest=ingest_info(ingest.status()))

    @router.get("/documents/status", responses=_responses(401, 404, 422, 503))
    def documents_status(chosen: DocumentTarget = the_library) -> DocumentsStatus:
        """This process's background ingest of the library, what a stepped ingest has made searchable so far,
        and the files the live build could not read."""
        return DocumentsStatus(
            library=chosen.library.name,
            build=chosen.searcher.build.name,
            ingest=ingest_info(ingest_of(chosen.library).status()),
            searchable=searchable_info(read_progress(chosen.library.index_dir)),
            unreadable=unreadable_files(chosen.searcher),
        )

    router.include_router(writes)
    return router


def _record(request: Request, chosen: DocumentTarget, action: str, sources: list[str]) -> None:
    """An upload or a removal appended to the folder's audit log: who, what, from which address."""
    if chosen.accounts is not None:
        address = client_address(request)
        for source in sources:
            chosen.accounts.record(chosen.user.name, action, f"{chosen.library.name}/{source}", address)


async def _receive_and_save(request: Request, chosen: DocumentTarget) -> list[UploadResult]:
    """The upload read as it arrives into temporary files, then saved: what became of each file."""
    files: list[StagedUpload] = []
    try:
        await upload_stream.receive_uploads(request, chosen.library.corpus_dir, UPLOAD_LIMITS, files)
        return await run_in_threadpool(_save, chosen, files)
    except upload_stream.TooManyFilesError as error:
        raise HTTPException(413, str(error), CLOSE) from None
    except upload_stream.FilesMissingError as error:
        raise HTTPException(422, str(error), CLOSE) from None
    except upload_stream.UploadFormError as error:
        raise HTTPException(400, str(error), CLOSE) from None
    except OSError as error:
        logger.warning("cannot save uploads into %s: %s", chosen.library.corpus_dir, error)
        raise HTTPException(503, f"the files could not be saved: {error}") from None
    finally:
        # Whatever happened (saved, refused, the client gone): a saved file is a link of its own by now.
        for staged in files:
            staged.discard()


def _save(chosen: DocumentTarget, files: list[StagedUpload]) -> list[UploadResult]:
    """Save the received files into the library: what became of each; a 422 when every one was refused."""
    try:
        results = save_staged(chosen.library.corpus_dir, files, chosen.searcher.manifest.corpus_files)
    except UploadRefusedError as error:  # too many files of one name
        raise HTTPException(422, str(error)) from None
    if all(result.status == "refused" for result in results):
        raise HTTPException(422, "; ".join(result.reason for result in results))
    return results


def _responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: DOCUMENT_RESPONSES[code] for code in codes}


def _result(result: UploadResult) -> FileResult:
    return FileResult(name=result.name, status=result.status, saved_as=result.saved_as, reason=result.reason)
