"""The original files a library's citations name (`GET /files/{source}`, as downloads), and a cited
PDF page as a picture with the answering sentence marked (`GET /page-images`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import FileResponse

from askdocs.serve.http.common import ERROR_RESPONSES
from askdocs.serve.http.routers.documents import DocumentTarget
from askdocs.serve.library_files import library_file, media_type
from askdocs.serve.pdf_view import PageNotFoundError, page_png
from askdocs.serve.uploads import DocumentMissingError, NotADocumentError

FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "The file, as an attachment"},
    404: {**ERROR_RESPONSES[503], "description": "Not a document of the library's live index, or no longer there"},
    422: {**ERROR_RESPONSES[422], "description": "A name that cannot be a document of the library"},
    503: ERROR_RESPONSES[503],
}


def _cited_file(chosen: DocumentTarget, source: str) -> Path:
    """The library's file `source`, when its live build cites it; a 404 or 422 otherwise."""
    try:
        return library_file(chosen.library.corpus_dir, source, chosen.searcher.cites)
    except DocumentMissingError as error:
        raise HTTPException(404, str(error)) from None
    except NotADocumentError as error:
        raise HTTPException(422, str(error)) from None


def files_router(target: Callable[..., DocumentTarget]) -> APIRouter:
    """GET /files/{source}; `target` is the FastAPI dependency naming the library (`lib` with several)."""
    router = APIRouter(tags=["files"])
    the_library = Depends(target)

    @router.get("/files/{source:path}", response_class=FileResponse, responses=FILE_RESPONSES)
    def original_file(source: str, chosen: DocumentTarget = the_library) -> FileResponse:
        """The original file a hit cites (`citations[].source`), with its content type, as an attachment."""
        path = _cited_file(chosen, source)
        # An attachment, never shown inline: a PDF, SVG or HTML file from the corpus is not run as
        # this server's page; nosniff and a sandbox keep a browser from treating it as one anyway.
        return FileResponse(
            path,
            media_type=media_type(path),
            filename=path.name,
            content_disposition_type="attachment",
            headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"},
        )

    @router.get(
        "/page-images",
        response_class=Response,
        responses={**FILE_RESPONSES, 200: {"content": {"image/png": {}}, "description": "The page, rendered"}},
    )
    def page_image(
        source: Annotated[str, Query(description="The PDF, as a hit's citation names it.")],
        page: Annotated[int, Query(ge=1, description="The page, as the citation gives it.")],
        mark: Annotated[
            str | None, Query(max_length=2000, description="Text to mark: the hit's answering sentence.")
        ] = None,
        chosen: DocumentTarget = the_library,
    ) -> Response:
        """A cited PDF page as a PNG, `mark` (the answering sentence) marked where the page holds it."""
        path = _cited_file(chosen, source)
        if path.suffix.lower() != ".pdf":
            raise HTTPException(422, f"'{source}' is not a PDF: only PDF pages are rendered")
        try:
            image = page_png(path, page, mark)
        except PageNotFoundError as error:
            raise HTTPException(404, str(error)) from None
        return Response(image, media_type="image/png", headers={"X-Content-Type-Options": "nosniff"})

    return router
