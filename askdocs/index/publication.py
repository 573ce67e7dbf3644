"""The index folder: atomic publication of builds, and the lock that keeps one ingest writing.

Layout: `INDEX/CURRENT` names the live build folder `INDEX/build-*/`. A new build is written to
a fresh folder and published by atomically replacing `CURRENT`, so a crash at any moment leaves
the previous build live. What a build folder holds is `index/build_folder/`'s.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from askdocs.errors import AskdocsError, IndexCorruptError, IndexMissingError, IngestLockedError, rebuild_hint
from askdocs.index.build_folder import BUILD_PREFIX, CURRENT, LOCK, MANIFEST, BuildReader, Manifest

logger = logging.getLogger(__name__)


@contextmanager
def ingest_lock(index_dir: Path, wait: float = 0) -> Iterator[None]:
    """Hold the index's write lock, waiting up to `wait` seconds for another ingest to release it, else fail."""
    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(index_dir / LOCK)
    try:
        lock.acquire(timeout=wait)
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
    path = index_dir / f"{BUILD_PREFIX}{stamp}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
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
    for path in index_dir.glob(f"{BUILD_PREFIX}*"):
        if path.is_dir() and path.name != live:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    for path in index_dir.glob(f".{CURRENT}.*.tmp"):
        path.unlink(missing_ok=True)
    if removed:
        logger.info("removed %d stale build folder(s) from %s", len(removed), index_dir)
    return removed


def open_live(index_dir: Path, verify: bool = True) -> tuple[BuildReader, Manifest]:
    """The live build and its manifest (checked against every file's checksum when `verify`)."""
    reader = BuildReader(live_build(index_dir))
    return reader, reader.manifest(index_dir, verify=verify)


def intact_live(index_dir: Path) -> tuple[BuildReader, Manifest] | None:
    """The live build and its verified manifest; None when there is none intact (an ingest then rebuilds)."""
    try:
        return open_live(index_dir)
    except AskdocsError:
        return None
