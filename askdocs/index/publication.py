"""The index folder: atomic publication of builds, and the lock that keeps one ingest writing.

Layout: `INDEX/CURRENT` names the live build folder `INDEX/build-*/`. A new build is written to
a fresh folder and published by atomically replacing `CURRENT`, so a crash at any moment leaves
the previous build live. What a build folder holds is `index/build_folder/`'s.

A build that publication replaces is retired, not deleted: `INDEX/.retired-<build>` records when,
and it stays `RETIRED_SECONDS` for the readers still loading or holding it (a page or a server that
read `CURRENT` a moment before), at most `RETIRED_KEPT` of them, so disk stays bounded during a burst
of publications. Before, a request loading the build a publication had just replaced failed with
"could not open .../vectors.faiss" (issue #25); `Searcher.load` also retries once when `CURRENT`
changed under it. Folders of killed runs, never published, are removed at once.
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

# How long, and how many, replaced builds stay for their readers.
RETIRED_SECONDS = 300.0
RETIRED_KEPT = 2
RETIRED_PREFIX = ".retired-"


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
    """Make `build` the live index in one atomic step, retire the one it replaces, remove expired ones."""
    replaced = current_token(index_dir)
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
    if replaced and replaced != build.name and (index_dir / replaced).is_dir():
        (index_dir / f"{RETIRED_PREFIX}{replaced}").write_text(f"{time.time()}\n", encoding="utf-8")
    remove_stale_builds(index_dir)


def _retired_since(index_dir: Path, name: str) -> float | None:
    """When a build was replaced, or None for one never published (a killed run's)."""
    try:
        return float((index_dir / f"{RETIRED_PREFIX}{name}").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def remove_stale_builds(index_dir: Path, now: float | None = None) -> list[str]:
    """Delete build folders that are not live: never published, or retired longer than `RETIRED_SECONDS`
    ago or beyond the `RETIRED_KEPT` newest; call under the lock."""
    live = current_token(index_dir)
    now = time.time() if now is None else now
    others = [path for path in index_dir.glob(f"{BUILD_PREFIX}*") if path.is_dir() and path.name != live]
    retired = {path.name: _retired_since(index_dir, path.name) for path in others}
    kept = sorted((when, name) for name, when in retired.items() if when is not None and now - when < RETIRED_SECONDS)
    keep = {name for _, name in kept[-RETIRED_KEPT:]}
    removed = []
    for path in others:
        if path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    for marker in index_dir.glob(f"{RETIRED_PREFIX}*"):
        if marker.name[len(RETIRED_PREFIX) :] not in keep:
            marker.unlink(missing_ok=True)
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
