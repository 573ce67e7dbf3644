"""`ingest.py --watch`: keep each library's index fresh as files in its corpus folder change.

A change (a file added, edited, removed or renamed; askdocs.toml too) marks its library pending. A
pending library is ingested once its changed files have settled: no new event and the same size
and modification time for `WatchSettings.settle` seconds. So a file being copied is not read
half-written, and a burst of changes becomes one ingest. A listener thread keeps collecting events
while the watcher waits and while an ingest runs. An ingest that fails leaves the last good build
live (build_index publishes atomically); the library is retried on its next change, or after a
backoff. Hidden paths (names starting with ".", like the page's upload temp files) and index folders
are ignored. Over a folder of libraries (`--libraries DIR`) the folder is watched as a whole, so a
library folder created meanwhile is found and built. On a filesystem without inotify (some network
mounts), set WATCHFILES_FORCE_POLLING=1.
"""

from __future__ import annotations

import logging
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from askdocs.encoders import Encoder
from askdocs.encoders.recorded import RecordedInt8Encoder
from askdocs.errors import AskdocsError, EmptyCorpusError
from askdocs.ingest.executor import ExecutorFactory
from askdocs.ingest.pipeline import build_index, ingest_encoder
from askdocs.ingest.watch_pending import ADDED, NEW_LIBRARY, PendingChanges, RetrySchedule, describe_changes
from askdocs.ingest.watch_report import IngestRecord, error_message, log_line
from askdocs.libraries import Library
from askdocs.settings import IndexSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WatchSettings:
    """How the watcher groups changes into ingests and retries failed ones."""

    settle: float = 1.0  # seconds with no event and no size/mtime change in the changed files before an ingest
    debounce_ms: int = 500  # watchfiles: longest it groups raw events before handing them over
    step_ms: int = 50  # watchfiles: a pause this long ends a group
    retry: float = 30.0  # seconds before a failed library is retried without a change; doubles up to max_retry
    max_retry: float = 600.0
    lock_wait: float = 600.0  # seconds an ingest queues behind another of the same index (the page's uploads)


class Watcher:
    """Watches the libraries' corpus folders and re-ingests each one that changed; `run()` until `stop()`."""

    def __init__(
        self,
        libraries: Iterable[Library],
        settings: IndexSettings | None = None,
        watch_settings: WatchSettings | None = None,
        *,
        encoder: Encoder | None = None,
        executor: ExecutorFactory | None = None,
        on_ingest: Callable[[IngestRecord], None] | None = None,
        folder: Path | None = None,
        discover: Callable[[], list[Library]] | None = None,
    ) -> None:
        self.libraries = list(libraries)
        # A folder of libraries (`--libraries DIR`): watched as a whole, so a library folder created
        # while the watcher runs is found (`discover` lists them again) and built.
        self.folder, self.discover = (Path(folder).resolve() if folder else None), discover
        for library in self.libraries:
            if not Path(library.corpus_dir).is_dir():
                raise EmptyCorpusError(
                    f"the corpus folder {library.corpus_dir} does not exist; create it and put documents in it"
                )
        self.settings = settings or IndexSettings()
        self.watch_settings = watch_settings or WatchSettings()
        self.encoder, self.executor, self.on_ingest = encoder, executor, on_ingest
        self._map_libraries()
        self.ingests = 0
        self.failures = 0
        self.started = threading.Event()  # set once the initial ingests are done
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._events: queue.Queue[set[tuple[Any, str]]] = queue.Queue()
        self._listener_error: BaseException | None = None
        self._pending: dict[str, PendingChanges] = {}
        self._retries = RetrySchedule(self.watch_settings.retry, self.watch_settings.max_retry)

    def stop(self) -> None:
        """Ask `run()` to return (after the ingest under way, if any)."""
        self._stop.set()

    def run(self) -> None:
        """Ingest libraries whose index is missing or stale, then re-ingest on changes until stopped."""
        listener = threading.Thread(target=self._listen, name="askdocs-watch", daemon=True)
        listener.start()
        try:
            # Listening before the first ingest, so nothing written during it is missed.
            self._listening.wait(timeout=10)
            for library in self.libraries:
                if not self._stop.is_set():
                    self._ingest(library, "start")
            self.started.set()
            while not self._stop.is_set():
                if self._listener_error is not None:
                    raise AskdocsError(f"watching the corpus folders failed: {self._listener_error}")
                self._collect(timeout=max(0.05, self.watch_settings.settle / 4))
                self._ingest_due()
        finally:
            self._stop.set()
            listener.join(timeout=10)

    def _map_libraries(self) -> None:
        # Longest root first, so a library nested in another's folder gets its own events.
        self._roots = sorted(
            ((Path(lib.corpus_dir).resolve(), lib) for lib in self.libraries), key=lambda r: -len(r[0].parts)
        )
        self._index_dirs = [Path(lib.index_dir).resolve() for lib in self.libraries]

    def _may_be_new_library(self, path: str) -> bool:
        """True for a path in the folder of libraries outside every library known: perhaps a new one."""
        if self.folder is None or not Path(path).is_relative_to(self.folder) or Path(path) == self.folder:
            return False
        return not Path(path).relative_to(self.folder).parts[0].startswith(".")

    def _add_new_libraries(self) -> None:
        """List the folder of libraries again; each new one is ingested once its files settle."""
        try:
            found = self.discover() if self.discover is not None else []
        except AskdocsError as error:
            logger.error("listing the libraries again failed: %s", error)
            return
        known = {library.name for library in self.libraries}
        for library in found:
            if library.name not in known:
                logger.info("%s: a new library", library.name)
                self.libraries.append(library)
                self._pending[library.name] = PendingChanges({NEW_LIBRARY: ADDED}, since=time.monotonic())
        self._map_libraries()

    def _listen(self) -> None:
        import watchfiles

        ws = self.watch_settings
        try:
            # yield_on_timeout: the first (empty) batch says the folders are being watched.
            for changes in watchfiles.watch(
                *([self.folder] if self.folder is not None else [root for root, _ in self._roots]),
                watch_filter=lambda _change, path: self._library_of(path) is not None or self._may_be_new_library(path),
                debounce=ws.debounce_ms,
                step=ws.step_ms,
                stop_event=self._stop,
                rust_timeout=500,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                self._listening.set()
                if changes:
                    self._events.put(changes)
        except Exception as error:  # noqa: BLE001 - reported by run() in the main thread
            self._listener_error = error
        finally:
            self._listening.set()

    def _library_of(self, path: str) -> tuple[Library, str] | None:
        """The library a changed path belongs to and its corpus-relative name; None for what is never read."""
        changed = Path(path)
        for root, library in self._roots:
            if changed != root and changed.is_relative_to(root):
                relative = changed.relative_to(root)
                if any(part.startswith(".") for part in relative.parts):
                    return None
                if any(changed.is_relative_to(index) for index in self._index_dirs):
                    return None
                return library, relative.as_posix()
        return None

    def _collect(self, timeout: float) -> None:
        """Wait up to `timeout` for events, then take every one queued into the pending libraries."""
        try:
            batches = [self._events.get(timeout=timeout)]
        except queue.Empty:
            return
        while not self._events.empty():
            batches.append(self._events.get_nowait())
        now = time.monotonic()
        unknown = False
        for batch in batches:
            for change, path in batch:
                found = self._library_of(path)
                if found is not None:
                    self._pending.setdefault(found[0].name, PendingChanges()).note(found[1], int(change), now)
                else:
                    unknown = unknown or self._may_be_new_library(path)
        if unknown:
            self._add_new_libraries()

    def _ingest_due(self) -> None:
        """Ingest each pending library whose changed files have settled, and each failed one due a retry."""
        for library in self.libraries:
            if self._stop.is_set():
                return
            pending = self._pending.get(library.name)
            now = time.monotonic()
            if pending is not None:
                if pending.settled(Path(library.corpus_dir), now, self.watch_settings.settle):
                    del self._pending[library.name]
                    self._ingest(library, describe_changes(pending.changes))
            elif self._retries.due(library.name, now):
                self._ingest(library, "retry")

    def _ingest(self, library: Library, reason: str) -> None:
        """One ingest of a library, logged and counted; a failure schedules a retry."""
        started = time.perf_counter()
        try:
            encoder = self.encoder or ingest_encoder(library.index_dir, self.settings)
            summary = build_index(
                library.corpus_dir,
                library.index_dir,
                self.settings,
                encoder=encoder,
                executor=self.executor,
                lock_wait=self.watch_settings.lock_wait,
            )
        except Exception as error:  # noqa: BLE001 - a failed ingest must not stop the watcher
            record = IngestRecord(library.name, time.perf_counter() - started, reason, error=error_message(error))
            self._failed(library, record, error)
        else:
            # Kept for the next ingests: the recorded int8 model (268 MB, loads in 0.3 s), not the full
            # one a first build needs (900 MB with PyTorch), unless the settings ask for the full model.
            if self.encoder is None and (isinstance(encoder, RecordedInt8Encoder) or self.settings.encoder != "int8"):
                self.encoder = encoder
            self._retries.succeeded(library.name)
            record = IngestRecord(library.name, time.perf_counter() - started, reason, summary)
            logger.info("%s", log_line(record))
        self.ingests += 1
        if self.on_ingest is not None:
            self.on_ingest(record)

    def _failed(self, library: Library, record: IngestRecord, error: Exception) -> None:
        self.failures += 1
        delay = self._retries.failed(library.name)
        message = f"{log_line(record)}; retrying on the next change or in {delay:.0f} s"
        # An unexpected error gets its traceback; ours name the fix already.
        logger.error(message, exc_info=not isinstance(error, AskdocsError))


def watch_until_signalled(
    libraries: list[Library],
    settings: IndexSettings,
    executor: ExecutorFactory | None = None,
    folder: Path | None = None,
    discover: Callable[[], list[Library]] | None = None,
) -> Watcher:
    """Run a watcher in this (main) thread until Ctrl-C or SIGTERM; returns it for its counts.

    `folder` and `discover`: a folder of libraries, watched for new ones (see `Watcher`).
    """
    watcher = Watcher(libraries, settings, executor=executor, folder=folder, discover=discover)

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        # As Ctrl-C: an ingest under way is abandoned (its build folder is never published).
        raise KeyboardInterrupt

    # SIGINT keeps its handler: `make run` starts the watcher as a background job, which ignores
    # Ctrl-C, and stops it with SIGTERM once the page has stopped.
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        watcher.run()
    except KeyboardInterrupt:
        watcher.stop()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return watcher
