"""POST /documents's body read as it arrives (routers/documents.py): multipart/form-data parsed by
python-multipart's streaming parser, each `files` part written by uploads.StagedUpload into a hidden
temporary file of the corpus folder.

Nothing is buffered whole: the count of files is checked as each part starts, its name when its
headers end and its size as its bytes arrive, so a refused upload holds one chunk in memory and at
most a file's limit on disk per file. A file past the limit is refused and the rest of its part read
and dropped (the others of the upload are still saved); the body as a whole is bounded by its
Content-Length, which the route checked. Nothing is saved unless the form ends with its closing boundary.
"""

from __future__ import annotations

import codecs
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from askdocs.serve.uploads import DocumentRefusedError, StagedUpload, UploadLimits

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

# The form field each document comes in (repeated for several).
FIELD = "files"


class UploadFormError(DocumentRefusedError):
    """The body is not a multipart form that can be read to its end (the API's 400)."""


class FilesMissingError(UploadFormError):
    """The body holds no `files` field, or is not multipart/form-data (the API's 422, as for a missing parameter)."""


class TooManyFilesError(DocumentRefusedError):
    """The body carries more files than one upload may add (the API's 413)."""


class _Form:
    """python-multipart's callbacks: each `files` part into a StagedUpload, every other part dropped as it comes."""

    def __init__(
        self, content_type: str | None, corpus_dir: Path, limits: UploadLimits, files: list[StagedUpload]
    ) -> None:
        kind, options = parse_options_header(content_type)
        if kind != b"multipart/form-data" or not options.get(b"boundary"):
            raise FilesMissingError(f"body parameter '{FIELD}' is missing: send the documents as multipart/form-data")
        self.corpus_dir, self.limits, self.files = corpus_dir, limits, files
        self.charset = _charset(options.get(b"charset", b"utf-8").decode("latin-1"))
        self.ended = False
        self._current: StagedUpload | None = None
        self._header = self._value = self._disposition = b""
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }
        try:
            self.parser = MultipartParser(options[b"boundary"], callbacks)
        except FormParserError as error:
            raise UploadFormError(f"the upload is not valid multipart/form-data: {error}") from None

    def write(self, chunk: bytes) -> None:
        """Parse the next bytes of the body, writing file parts as they come (files on disk: a worker thread's job)."""
        try:
            self.parser.write(chunk)
        except FormParserError as error:
            raise UploadFormError(f"the upload is not valid multipart/form-data: {error}") from None

    def finish(self) -> None:
        """The body has ended: an error unless it held a whole form with a `files` field."""
        if not self.ended:
            raise UploadFormError("the body ended before the form's closing boundary; nothing was saved")
        if not self.files:
            raise FilesMissingError(f"body parameter '{FIELD}' is missing")

    def _part_begin(self) -> None:
        self._current, self._disposition = None, b""

    # Header lines are bounded by python-multipart (8 per part, 4 kB each), so gathering them is safe.
    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.strip().lower() == b"content-disposition":
            self._disposition = self._value
        self._header = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        if options.get(b"name") != FIELD.encode():
            return  # another field: its bytes are dropped as they come
        if len(self.files) >= self.limits.max_files:
            # Checked as the part starts: the files before it are discarded, none after it is read.
            raise TooManyFilesError(
                f"more than {self.limits.max_files} files at once: one upload may add at most "
                f"{self.limits.max_files}; add them in parts"
            )
        self._current = StagedUpload(
            self.corpus_dir, _decoded(options.get(b"filename", b""), self.charset), self.limits
        )
        self.files.append(self._current)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current is not None:
            self._current.write(memoryview(data)[start:end])  # a view: no copy of the chunk

    def _part_end(self) -> None:
        if self._current is not None:
            self._current.finish()
            self._current = None

    def _end(self) -> None:
        self.ended = True


def openapi_body(limits: UploadLimits) -> dict[str, Any]:
    """The form as OpenAPI describes it: what FastAPI generated when the endpoint declared `files: list[UploadFile]`."""
    files = {
        "title": "Files",
        "type": "array",
        "items": {"type": "string", "contentMediaType": "application/octet-stream"},
        "description": f"The documents (repeat the field for several): at most {limits.max_files} files "
        f"of {limits.max_file_bytes:,} bytes each.",
    }
    schema: dict[str, Any] = {"title": "Body_add_documents_documents_post", "type": "object", "required": [FIELD]}
    schema["properties"] = {FIELD: files}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


async def receive_uploads(request: Request, corpus_dir: Path, limits: UploadLimits, files: list[StagedUpload]) -> None:
    """Read the body as it arrives into `files`: StagedUploads to save, then discard (also if this raises)."""
    form = _Form(request.headers.get("content-type"), corpus_dir, limits, files)
    length = request.headers.get("content-length", "")
    declared = int(length) if length.isdigit() else 0
    received = 0
    try:
        async with aclosing(request.stream()) as stream:
            async for chunk in stream:
                received += len(chunk)
                # A server that frames the body by its Content-Length never hands over more; under one that
                # does not, the length the route checked would not bound the body, so it is counted here.
                if received > declared:
                    raise UploadFormError(
                        f"the body is longer than its Content-Length ({declared:,} bytes); nothing was saved"
                    )
                await run_in_threadpool(form.write, chunk)
    except ClientDisconnect:
        raise UploadFormError("the client went away before the upload ended; nothing was saved") from None
    form.finish()


def _charset(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "latin-1"


def _decoded(raw: bytes, charset: str) -> str:
    """A file name as Starlette decodes it: in the form's charset, else latin-1 (which decodes any bytes)."""
    try:
        return raw.decode(charset)
    except UnicodeDecodeError:
        return raw.decode("latin-1")
