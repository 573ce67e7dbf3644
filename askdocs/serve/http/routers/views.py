"""The cited place of a hit, as the page's viewer shows it (`GET /views`): a PDF page or an image as
a PNG with the answering sentence marked, else the passage in its section or the row in its table as
JSON; and any page of a cited PDF (`GET /page-images`, for turning pages)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from askdocs.records import Citation
from askdocs.serve.http.common import ERROR_RESPONSES, refused_document
from askdocs.serve.http.routers.documents import DocumentTarget
from askdocs.serve.http.routers.files import FILE_RESPONSES, cited_file
from askdocs.serve.uploads import DocumentMissingError, NotADocumentError
from askdocs.serve.viewer import ViewUnavailableError, open_view
from askdocs.serve.viewer.pdf_page import rendered_page
from askdocs.serve.viewer.views import PictureView

PNG_HEADERS = {"X-Content-Type-Options": "nosniff"}
VIEW_RESPONSES: dict[int | str, dict[str, Any]] = {
    **FILE_RESPONSES,
    200: {
        "content": {"application/json": {}, "image/png": {}},
        "description": "A PDF page or an image: the PNG; otherwise the passage in its section or the row in its table",
    },
    404: {**ERROR_RESPONSES[503], "description": "Not a document of the library, no longer there, or no such place"},
}
Mark = Annotated[str | None, Query(max_length=2000, description="Text to mark: the hit's answering sentence.")]


def _picture(view: PictureView) -> Response:
    """A rendered page or image, saying whether the sentence was found on it (and the page count)."""
    headers = {**PNG_HEADERS, "X-Answer-Marked": "true" if view.marked else "false"}
    if view.pages is not None:
        headers["X-Page-Count"] = str(view.pages)
    return Response(view.png, media_type="image/png", headers=headers)


def views_router(target: Callable[..., DocumentTarget]) -> APIRouter:
    """GET /views and GET /page-images; `target` is the FastAPI dependency naming the library."""
    router = APIRouter(tags=["views"])
    the_library = Depends(target)

    @router.get("/views", response_model=None, responses=VIEW_RESPONSES)
    def view(
        source: Annotated[str, Query(description="The file, as the hit's citation names it.")],
        page: int | None = Query(None, ge=1),
        slide: int | None = Query(None, ge=1),
        chapter: int | None = Query(None, ge=1),
        sheet: str | None = Query(None, max_length=300),
        row: int | None = Query(None, ge=1),
        paragraph: int | None = Query(None, ge=1),
        line: int | None = Query(None, ge=1),
        doc_id: str | None = Query(None, max_length=300),
        anchor: str | None = Query(None, max_length=300),
        ocr: bool | None = None,
        mark: Mark = None,
        chosen: DocumentTarget = the_library,
    ) -> Response | dict[str, Any]:
        """The place a hit's citation names (pass its fields as they came), `mark` marked in it."""
        place = dict(page=page, slide=slide, chapter=chapter, sheet=sheet, row=row, paragraph=paragraph)
        citation = Citation(source, line=line, doc_id=doc_id, anchor=anchor, ocr=ocr, **place)
        try:
            shown = open_view(chosen.searcher, citation, mark)
        except (DocumentMissingError, NotADocumentError) as error:
            raise refused_document(error) from None
        except ViewUnavailableError as error:
            raise HTTPException(404, str(error)) from None
        return _picture(shown) if isinstance(shown, PictureView) else shown.to_json()

    @router.get(
        "/page-images",
        response_class=Response,
        responses={**FILE_RESPONSES, 200: {"content": {"image/png": {}}, "description": "The page, rendered"}},
    )
    def page_image(
        source: Annotated[str, Query(description="The PDF, as a hit's citation names it.")],
        page: Annotated[int, Query(ge=1, description="The page, as the citation gives it.")],
        mark: Mark = None,
        ocr: bool = False,
        chosen: DocumentTarget = the_library,
    ) -> Response:
        """Any page of a cited PDF as a PNG, `mark` (the answering sentence) marked where the page holds it."""
        path = cited_file(chosen, source)
        if path.suffix.lower() != ".pdf":
            raise HTTPException(422, f"'{source}' is not a PDF: only PDF pages are rendered")
        try:
            shown = rendered_page(path, page, mark, scanned=ocr)
        except ViewUnavailableError as error:
            raise HTTPException(404, str(error)) from None
        return _picture(PictureView(source, f"{source}, page {page}", shown.png, shown.marked, page, shown.pages))

    return router
