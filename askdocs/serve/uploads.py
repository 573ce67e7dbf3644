"""Files added to a library from the page: safe names, limits, duplicates by content, saves that lose nothing.

A file is written to a hidden temporary file in the corpus folder (hidden files are never read or
watched) by a StagedUpload, as its bytes arrive when the API streams an upload (its name checked
first, its size as it grows), flushed, then linked to its final name, which fails rather than overwrite: a second
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
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Literal

from askdocs.errors import AskdocsError
from askdocs.ingest.corpus import current_sha256, list_corpus
from askdocs.ingest.formats import SUPPORTED
from askdocs.library_settings import SETTINGS_FILE
from askdocs.settings import MAX_FILE_BYTES

logger = logging.getLogger(__name__)

LOCK_NAME = ".askdocs-upload.lock"
# The longest document name accepted from a request, in bytes (Linux PATH_MAX).
MAX_PATH_BYTES = 4096
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


class StagedUpload:
    """One uploaded file as its bytes arrive: its name checked first, its bytes hashed and written to a
    hidden temporary file in the corpus folder (`path`), and dropped once they pass the size limit."""

    def __init__(self, corpus_dir: Path, name: str, limits: UploadLimits = UPLOAD_LIMITS) -> None:
        self.name = name
        self.size = 0
        self.reason = ""
        self.path = corpus_dir / f".upload-{os.getpid()}-{os.urandom(6).hex()}.part"
        self._limit = limits.max_file_bytes
        self._sha256 = hashlib.sha256()
        self._handle: BinaryIO | None = None
        try:
            self.final = _upload_name(name)
        except UploadRefusedError as error:
            self.final, self.reason = "", str(error)  # refused before a byte of it is stored

    @property
    def sha256(self) -> str:
        """The hex SHA-256 of the bytes written so far."""
        return self._sha256.hexdigest()

    def write(self, data: bytes | memoryview) -> None:
        """Store and hash the next bytes; once the file is refused (its name, its size) they are dropped."""
        if self.reason:
            return
        self.size += len(data)
        if self.size > self._limit:
            # Refused as soon as it passes the limit: what is stored never exceeds it.
            self.discard(f"'{self.name}' is larger than the {self._limit:,}-byte limit")
            return
        if self._handle is None:
            self._handle = self.path.open("xb")
        self._handle.write(data)
        self._sha256.update(data)

    def finish(self) -> StagedUpload:
        """The whole file has arrived: its bytes made durable (before any link shows them), or refused if none."""
        if self._handle is not None and not self._handle.closed:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        if not self.reason and not self.size:
            self.reason = f"'{self.name}' is empty"
        return self

    def discard(self, reason: str = "") -> None:
        """Remove the temporary file (again is harmless); with a reason, the file is refused for it."""
        self.reason = self.reason or reason
        if self._handle is not None:
            self._handle.close()
        self.path.unlink(missing_ok=True)


def save_uploads(
    corpus_dir: Path,
    uploads: Iterable[tuple[str, bytes]],
    limits: UploadLimits = UPLOAD_LIMITS,
    recorded: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[UploadResult]:
    """Save uploaded files into the corpus folder; `recorded` is the build's fingerprint (spares re-hashing)."""
    uploads = list(uploads)
    if len(uploads) > limits.max_files:
        raise UploadRefusedError(
            f"{len(uploads)} files at once is more than the {limits.max_files} one upload may add; add them in parts"
        )
    with _locked_digests(corpus_dir, recorded) as digests:
        return [_save_one(corpus_dir, name, data, limits, digests) for name, data in uploads]


def save_staged(
    corpus_dir: Path, files: Iterable[StagedUpload], recorded: Mapping[str, Mapping[str, Any]] | None = None
) -> list[UploadResult]:
    """Save finished StagedUploads as save_uploads saves bytes; their temporary files stay the caller's to discard."""
    with _locked_digests(corpus_dir, recorded) as digests:
        return [_keep(corpus_dir, staged, digests) for staged in files]


@contextmanager
def _locked_digests(corpus_dir: Path, recorded: Mapping[str, Mapping[str, Any]] | None) -> Iterator[dict[str, str]]:
    """The corpus files' digests, under the upload lock: no other upload saves until the block ends."""
    from filelock import FileLock

    corpus_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(corpus_dir / LOCK_NAME, timeout=60):
        yield known_digests(corpus_dir, recorded)


def _upload_name(name: str) -> str:
    final = safe_name(name)
    if final == SETTINGS_FILE:
        raise UploadRefusedError(f"'{name}' is the library's settings file; edit it in the corpus folder instead")
    return final


def _save_one(corpus_dir: Path, name: str, data: bytes, limits: UploadLimits, digests: dict[str, str]) -> UploadResult:
    staged = StagedUpload(corpus_dir, name, limits)
    try:
        staged.write(data)
        return _keep(corpus_dir, staged.finish(), digests)
    finally:
        staged.discard()


def _keep(corpus_dir: Path, staged: StagedUpload, digests: dict[str, str]) -> UploadResult:
    """A finished staged file linked under its name, unless it was refused or its content is already there."""
    name, digest = staged.name, staged.sha256
    if staged.reason:
        return UploadResult(name, "refused", reason=staged.reason)
    if digest in digests:
        return UploadResult(name, "duplicate", saved_as=digests[digest], reason=f"same content as {digests[digest]}")
    saved_as = _link_new(corpus_dir, staged.final, staged.path)
    digests[digest] = saved_as
    logger.info("saved upload %s as %s", name, saved_as)
    return UploadResult(name, "saved", saved_as=saved_as)


def _link_new(corpus_dir: Path, name: str, temporary: Path) -> str:
    """Link the written `temporary` as `name`, or "name (2)" and so on when taken; never overwrites, never shows
    a partial file."""
    stem, suffix = name[: -len(Path(name).suffix)], Path(name).suffix
    for attempt in range(1, 10_000):
        candidate = name if attempt == 1 else f"{stem} ({attempt}){suffix}"
        try:
            os.link(temporary, corpus_dir / candidate)  # fails if the name exists: nothing is overwritten
        except FileExistsError:
            continue
        return candidate
    raise UploadRefusedError(f"too many files named like '{name}' in {corpus_dir}")


def document_name(source: str) -> str:
    """`source` as the corpus-relative name it denotes (NFC, `.` and trailing `/` folded), or
    `NotADocumentError` for a name that cannot be a document: empty, absolute, `..`, hidden (the index
    folder, lock and temporary files), the settings file, a NUL byte, a part over 255 bytes."""
    if "\x00" in source or len(source.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:
        raise NotADocumentError("that name cannot be a document of this library (a NUL byte, or too long)")
    name = unicodedata.normalize("NFC", source)
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(p.startswith(".") or len(p.encode()) > 255 for p in parts):
        raise NotADocumentError(f"'{source[:300]}' is not a document of this library")
    relative = PurePosixPath(*parts).as_posix()
    if relative == SETTINGS_FILE:
        raise NotADocumentError(f"'{source}' is the library's settings file, not a document")
    return relative


def remove_file(corpus_dir: Path, source: str) -> None:
    """Delete one document from the corpus folder; `source` must name a file inside it."""
    # Names are compared after normalisation: "askdocs.toml/", "./askdocs.toml" and "askdocs.toml/."
    # all name the settings file (issue #25: they deleted it).
    source = document_name(source)
    # The name itself is removed (a link, not what it points to); its folder must lie inside the corpus.
    path = corpus_dir.resolve() / source
    if not path.parent.resolve().is_relative_to(corpus_dir.resolve()):
        raise NotADocumentError(f"'{source}' is not a document of this library")
    if not path.is_file():
        raise DocumentMissingError(f"'{source}' is no longer in the library (it may have been removed already)")
    path.unlink()
    logger.info("removed %s from %s", source, corpus_dir)
