"""A library's own files, handed to the people who read its answers: only a file the live build cites,
inside the corpus folder, whatever a request says (traversal, links, encoded names)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from askdocs.serve.uploads import DocumentMissingError, NotADocumentError, document_name


def library_file(corpus_dir: Path, source: str, cited: Callable[[str], bool]) -> Path:
    """The file `source` names in the corpus folder, when the live build cites it (`cited`, usually
    `Searcher.cites`); `NotADocumentError`
    for a name that cannot be a document or leads outside, `DocumentMissingError` for one not (or no
    longer) in the library."""
    name = document_name(source)
    if not cited(name):
        raise DocumentMissingError(f"'{name}' is not a document of this library's index")
    root = corpus_dir.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root):
        raise NotADocumentError(f"'{name}' leads outside the library")
    if not path.is_file():
        raise DocumentMissingError(f"'{name}' is no longer in the library (it may have been removed)")
    return path


def media_type(path: Path) -> str:
    """The file's content type by its name; unknown types are plain bytes."""
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
