"""The original files a library's citations name (`GET /files/{source}`, as downloads)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from askdocs.serve.http.common import ERROR_RESPONSES, refused_document
from askdocs.serve.http.routers.documents import DocumentTarget
from askdocs.serve.library_files import library_file, media_type
from askdocs.serve.uploads import DocumentMissingError, NotADocumentError

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The file, as an attachment"},
    404: {**ERROR_RESPONSES[503], "description": "Not a document of the library's live index, or no longer there"},
    422: {**ERROR_RESPONSES[422], "description": "A name that cannot be a document of the library"},
    503: ERROR_RESPONSES[503],
}


def cited_file(chosen: DocumentTarget, source: str) -> Path:
    """The library's file `source`, when its live build cites it; a 404 or 422 otherwise."""
    try:
        return library_file(chosen.library.corpus_dir, source, chosen.searcher.cites)
    except (DocumentMissingError, NotADocumentError) as error:
        raise refused_document(error) from None


def files_router(target: Callable[..., DocumentTarget]) -> APIRouter:
    """GET /files/{source}; `target` is the FastAPI dependency naming the library (`lib` with several)."""
    router = APIRouter(tags=["files"])
    the_library = Depends(target)

    @router.get("/files/{source:path}", response_class=FileResponse, responses=FILE_RESPONSES)
    def original_file(source: str, chosen: DocumentTarget = the_library) -> FileResponse:
        """The original file a hit cites (`citations[].source`), with its content type, as an attachment."""
        path = cited_file(chosen, source)
        # An attachment, never shown inline: a PDF, SVG or HTML file from the corpus is not run as
        # this server's page; nosniff and a sandbox keep a browser from treating it as one anyway.
        return FileResponse(
            path,
            media_type=media_type(path),
            filename=path.name,
            content_disposition_type="attachment",
            headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"},
        )

    return router
