"""The index folder: atomic publication of builds, a manifest with checksums, and a lock.

Layout: `INDEX/CURRENT` names the live build folder `INDEX/build-*/`. A new build is written to
a fresh folder and published by atomically replacing `CURRENT`, so a crash at any moment leaves
the previous build live. Only JSON, NumPy arrays (without pickle) and FAISS files are stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

from askdocs.errors import IndexCorruptError, IndexMismatchError, IndexMissingError, IngestLockedError, rebuild_hint
from askdocs.records import Citation

logger = logging.getLogger(__name__)
T = TypeVar("T")

FORMAT_VERSION = 2
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
LOCK = ".ingest.lock"
_BUILD_PREFIX = "build-"


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data: Any) -> None:
    """Write JSON and flush it to disk."""
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def write_jsonl(path: Path, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
    """Write one JSON object a line."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read one JSON object a line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


class JsonlRows(Sequence[T]):
    """The rows of a JSON-lines file, each parsed (and passed to `convert`) only when it is read.

    The file is memory-mapped and only the start of each line is kept, 8 bytes a row, so an
    index of a million chunks does not hold a million parsed records to answer ten at a time.
    JSON escapes newlines inside strings, so every newline byte ends a row.
    """

    def __init__(self, path: Path, convert: Callable[[dict[str, Any]], T]) -> None:
        self._convert = convert
        # A question reads each of its hits' rows more than once (text, citations, sentences).
        self._parse = lru_cache(maxsize=256)(self._parse_row)
        self._data: mmap.mmap | bytes = b""
        if path.stat().st_size:
            with path.open("rb") as handle:
                self._data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = np.frombuffer(self._data, dtype=np.uint8)
        block = 1 << 26  # scan 64 MB at a time: the comparison would otherwise copy the whole file
        ends = [np.flatnonzero(view[at : at + block] == 10) + at for at in range(0, view.size, block)]
        starts = [np.zeros(1, np.int64), *[e + 1 for e in ends]]
        if view.size and view[-1] != 10:  # a last row without its newline still counts
            starts.append(np.asarray([view.size]))
        self._starts = np.concatenate(starts).astype(np.int64)

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, row: int) -> T: ...

    @overload
    def __getitem__(self, row: slice) -> list[T]: ...

    def __getitem__(self, row: int | slice) -> T | list[T]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._parse(int(row))

    def _parse_row(self, row: int) -> T:
        return self._convert(json.loads(self._data[self._starts[row] : self._starts[row + 1]]))


@dataclass(frozen=True)
class Lookups:
    """What every question needs, stored as arrays: each chunk's passage, and each source's passages in order."""

    chunk_passages: np.ndarray  # passage id of each chunk
    sources: list[str]  # every source cited, sorted; a source's number is its place here
    order: np.ndarray  # (source number, passage id) rows, by source, then reading order


def write_lookups(build: Path, chunk_passages: Sequence[int], citations: Iterable[Sequence[Citation]]) -> None:
    """Store the lookups of a build (`citations`: each passage's citations, by passage id)."""
    sources, order = reading_order(citations)
    np.save(build / "chunk_passages.npy", np.asarray(chunk_passages, dtype=np.int64), allow_pickle=False)
    write_json(build / "sources.json", sources)
    np.save(build / "source_order.npy", order, allow_pickle=False)


def read_lookups(build: Path) -> Lookups | None:
    """The lookups stored by `write_lookups`, or None for a build made before they were stored."""
    if not (build / "chunk_passages.npy").is_file():
        return None
    return Lookups(
        np.load(build / "chunk_passages.npy", allow_pickle=False),
        json.loads((build / "sources.json").read_text(encoding="utf-8")),
        np.load(build / "source_order.npy", allow_pickle=False).reshape(-1, 2),
    )


def reading_order(citations: Iterable[Sequence[Citation]]) -> tuple[list[str], np.ndarray]:
    """Every source cited, sorted, and (source number, passage id) rows in each source's reading order.

    `citations` holds each passage's citations, by passage id. A passage cited in several places
    appears once for each; PDF passages are ordered by page, then by passage id.
    """
    places: list[tuple[str, int, int]] = []
    for pid, cited in enumerate(citations):
        for citation in cited:
            place = citation.line if citation.line is not None else (citation.page or 0) * 10**6 + pid
            places.append((citation.source, place, pid))
    places.sort()
    sources = sorted({source for source, _, _ in places})
    number = {source: i for i, source in enumerate(sources)}
    order = np.asarray([(number[source], pid) for source, _, pid in places], dtype=np.int64).reshape(-1, 2)
    return sources, order


@contextmanager
def ingest_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock, or fail at once when another ingest holds it."""
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(index_dir / LOCK)
    try:
        lock.acquire(timeout=0)
    except Timeout as error:
        raise IngestLockedError(
            f"another ingest is writing {index_dir} right now; wait for it to finish, then try again"
        ) from error
    try:
        yield
    finally:
        lock.release()


def new_build_dir(index_dir: Path) -> Path:
    """A fresh, empty folder for a build, inside the index folder."""
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    path = index_dir / f"{_BUILD_PREFIX}{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    path.mkdir(parents=True)
    return path


def live_build(index_dir: Path) -> Path:
    """The folder of the live build; a folder holding a manifest is its own build."""
    index_dir = Path(index_dir)
    if (index_dir / MANIFEST).exists():
        return index_dir
    pointer = index_dir / CURRENT
    if not pointer.exists():
        raise IndexMissingError(f"no index at {index_dir}: {rebuild_hint(index_dir)}")
    build = index_dir / pointer.read_text(encoding="utf-8").strip()
    if not build.is_dir() or build.parent != index_dir:
        raise IndexCorruptError(f"{pointer} names a build that is not there: {rebuild_hint(index_dir)}")
    return build


def current_token(index_dir: Path) -> str | None:
    """Changes whenever a new build is published; None when there is no index."""
    try:
        return (Path(index_dir) / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def write_manifest(build: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Record the format version and a checksum of every file, then write the manifest."""
    files = sorted(p for p in build.rglob("*") if p.is_file() and p.name != MANIFEST)
    manifest = {
        "format_version": FORMAT_VERSION,
        **manifest,
        "files": {
            p.relative_to(build).as_posix(): {"sha256": file_sha256(p), "bytes": p.stat().st_size} for p in files
        },
    }
    write_json(build / MANIFEST, manifest)
    return manifest


def read_manifest(build: Path, index_dir: Path, verify: bool = True) -> dict[str, Any]:
    """The manifest of a build, after checking the format version and every file's checksum."""
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise IndexCorruptError(
            f"the index manifest in {build} is unreadable ({error}): {rebuild_hint(index_dir)}"
        ) from error
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(
            f"the index at {index_dir} has format version {manifest.get('format_version')}, "
            f"this askdocs reads version {FORMAT_VERSION}: {rebuild_hint(index_dir)}"
        )
    if verify:
        for name, expected in manifest.get("files", {}).items():
            path = build / name
            if not path.is_file():
                raise IndexCorruptError(f"the index file {name} is missing from {build}: {rebuild_hint(index_dir)}")
            if path.stat().st_size != expected["bytes"] or file_sha256(path) != expected["sha256"]:
                raise IndexCorruptError(
                    f"the index file {name} in {build} is damaged (checksum mismatch): {rebuild_hint(index_dir)}"
                )
    return manifest


def publish(index_dir: Path, build: Path) -> None:
    """Make `build` the live index in one atomic step, then remove older builds."""
    pointer_tmp = index_dir / f".{CURRENT}.{os.getpid()}.tmp"
    pointer_tmp.write_text(build.name + "\n", encoding="utf-8")
    with pointer_tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer_tmp, index_dir / CURRENT)
    directory = os.open(index_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    remove_stale_builds(index_dir)


def remove_stale_builds(index_dir: Path) -> list[str]:
    """Delete build folders that are not live (left by older or killed runs); call under the lock."""
    live = current_token(index_dir)
    removed = []
    for path in index_dir.glob(f"{_BUILD_PREFIX}*"):
        if path.is_dir() and path.name != live:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    for path in index_dir.glob(f".{CURRENT}.*.tmp"):
        path.unlink(missing_ok=True)
    if removed:
        logger.info("removed %d stale build folder(s) from %s", len(removed), index_dir)
    return removed
