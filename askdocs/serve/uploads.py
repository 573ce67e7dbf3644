"""Files added to a library from the page: safe names, limits, duplicates by content, saves that lose nothing.

A file is written to a hidden temporary file in the corpus folder (hidden files are never read or
watched), flushed, then linked to its final name, which fails rather than overwrite: a second
file of the same name is saved as "name (2).ext". The duplicate check and the link run under a
lock file in the corpus folder, so two people uploading at once, even the same file, lose
nothing and add nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from askdocs.errors import AskdocsError
from askdocs.ingest.corpus import current_sha256, list_corpus
from askdocs.ingest.formats import SUPPORTED
from askdocs.library_settings import SETTINGS_FILE
from askdocs.settings import MAX_FILE_BYTES

logger = logging.getLogger(__name__)

LOCK_NAME = ".askdocs-upload.lock"
MAX_NAME_CHARS = 120
# Letters and digits of any script, and a few harmless marks; everything else becomes "_".
_UNSAFE = re.compile(r"[^\w.\-+()\[\] ,]+")


class DocumentRefusedError(AskdocsError):
    """A document cannot be added to or removed from the library as asked."""


class UploadRefusedError(DocumentRefusedError):
    """A file cannot be added to the library as it is (its name, size or format)."""


class NotADocumentError(DocumentRefusedError):
    """A name to remove cannot be a document of the library (outside it, hidden, the settings file)."""


class DocumentMissingError(DocumentRefusedError):
    """A document to remove is not in the library (any more)."""


@dataclass(frozen=True)
class UploadLimits:
    """How much one upload may add: bytes per file and files per upload."""

    # An ingest's own per-file limit (by default): a larger upload would be saved, then skipped.
    max_file_bytes: int = MAX_FILE_BYTES
    max_files: int = 50


# The limits of every upload, from the page and over HTTP alike.
UPLOAD_LIMITS = UploadLimits()


@dataclass(frozen=True)
class UploadResult:
    """What became of one uploaded file: saved (as `saved_as`), a duplicate (of `saved_as`) or refused."""

    name: str
    status: Literal["saved", "duplicate", "refused"]
    saved_as: str = ""
    reason: str = ""


def safe_name(name: str) -> str:
    """A file name safe to create in the corpus folder: no folders, no hidden or control characters, a known format."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = _UNSAFE.sub("_", "".join(c for c in base if unicodedata.category(c)[0] != "C")).strip(" ._")
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:
        raise UploadRefusedError(f"'{name}' has no file extension; askdocs reads {', '.join(SUPPORTED)}")
    suffix = "." + suffix.lower()
    if suffix not in SUPPORTED:
        raise UploadRefusedError(f"'{name}': askdocs does not read {suffix} files; it reads {', '.join(SUPPORTED)}")
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" ._") or "file"
    return stem + suffix


def known_digests(corpus_dir: Path, recorded: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, str]:
    """The sha256 of every corpus file, by content; a file the build recorded unchanged is not read again."""
    files, _ = list_corpus(corpus_dir)
    return {current_sha256(file, (recorded or {}).get(file.source)): file.source for file in files}


def save_uploads(
    corpus_dir: Path,
    uploads: Iterable[tuple[str, bytes]],
    limits: UploadLimits = UPLOAD_LIMITS,
    recorded: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[UploadResult]:
    """Save uploaded files into the corpus folder; `recorded` is the build's fingerprint (spares re-hashing)."""
    from filelock import FileLock

    uploads = list(uploads)
    if len(uploads) > limits.max_files:
        raise UploadRefusedError(
            f"{len(uploads)} files at once is more than the {limits.max_files} one upload may add; add them in parts"
        )
    corpus_dir.mkdir(parents=True, exist_ok=True)
    results: list[UploadResult] = []
    with FileLock(corpus_dir / LOCK_NAME, timeout=60):
        digests = known_digests(corpus_dir, recorded)
        for name, data in uploads:
            results.append(_save_one(corpus_dir, name, data, limits, digests))
    return results


def _save_one(corpus_dir: Path, name: str, data: bytes, limits: UploadLimits, digests: dict[str, str]) -> UploadResult:
    try:
        final = safe_name(name)
        if final == SETTINGS_FILE:
            raise UploadRefusedError(f"'{name}' is the library's settings file; edit it in the corpus folder instead")
        if not data:
            raise UploadRefusedError(f"'{name}' is empty")
        if len(data) > limits.max_file_bytes:
            raise UploadRefusedError(f"'{name}' is larger than the {limits.max_file_bytes:,}-byte limit")
    except UploadRefusedError as error:
        return UploadResult(name, "refused", reason=str(error))
    digest = hashlib.sha256(data).hexdigest()
    if digest in digests:
        return UploadResult(name, "duplicate", saved_as=digests[digest], reason=f"same content as {digests[digest]}")
    saved_as = _write_new(corpus_dir, final, data)
    digests[digest] = saved_as
    logger.info("saved upload %s as %s", name, saved_as)
    return UploadResult(name, "saved", saved_as=saved_as)


def _write_new(corpus_dir: Path, name: str, data: bytes) -> str:
    """Write `data` under `name`, or "name (2)" and so on when taken; never overwrites, never shows a partial file."""
    temporary = corpus_dir / f".upload-{os.getpid()}-{os.urandom(6).hex()}.part"
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    stem, suffix = name[: -len(Path(name).suffix)], Path(name).suffix
    try:
        for attempt in range(1, 10_000):
            candidate = name if attempt == 1 else f"{stem} ({attempt}){suffix}"
            try:
                os.link(temporary, corpus_dir / candidate)  # fails if the name exists: nothing is overwritten
            except FileExistsError:
                continue
            return candidate
        raise UploadRefusedError(f"too many files named like '{name}' in {corpus_dir}")
    finally:
        temporary.unlink(missing_ok=True)


def remove_file(corpus_dir: Path, source: str) -> None:
    """Delete one document from the corpus folder; `source` must name a file inside it."""
    parts = Path(source).parts
    if not parts or Path(source).is_absolute() or any(p.startswith(".") or p == ".." for p in parts):
        raise NotADocumentError(f"'{source}' is not a document of this library")
    if source == SETTINGS_FILE:
        raise NotADocumentError(f"'{source}' is the library's settings file, not a document")
    # The name itself is removed (a link, not what it points to); its folder must lie inside the corpus.
    path = corpus_dir.resolve() / source
    if not path.parent.resolve().is_relative_to(corpus_dir.resolve()):
        raise NotADocumentError(f"'{source}' is not a document of this library")
    if not path.is_file():
        raise DocumentMissingError(f"'{source}' is no longer in the library (it may have been removed already)")
    path.unlink()
    logger.info("removed %s from %s", source, corpus_dir)
