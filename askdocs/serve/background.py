"""Ingests the page and the HTTP API start (after an upload or a removal), in a background thread per library.

A request while an ingest runs is remembered and served by one more ingest when it ends, so a
burst of uploads becomes at most two ingests. The ingest waits for the index's lock, so it queues
behind `ingest.py --watch` or a terminal ingest instead of failing, and one that fails leaves the
last good build live (ingest/pipeline.py publishes atomically).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace

from askdocs.errors import AskdocsError
from askdocs.index import publication
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import Library
from askdocs.settings import IndexSettings

logger = logging.getLogger(__name__)

# Long enough to queue behind a large ingest by the watcher; an ingest still stuck then fails and says so.
LOCK_WAIT_SECONDS = 1800.0
_REGISTRY_LOCK = threading.Lock()
_BY_LIBRARY: dict[Library, BackgroundIngest] = {}


@dataclass(frozen=True)
class IngestStatus:
    """What the page shows about a library's background ingest."""

    running: bool = False
    stage: str = ""
    started: float = 0.0
    finished: float = 0.0
    runs: int = 0
    summary: list[str] = field(default_factory=list)
    error: str = ""


class BackgroundIngest:
    """Re-ingests one library in a thread of its own when asked; the page polls `status()`."""

    def __init__(self, library: Library, settings: IndexSettings | None = None) -> None:
        self.library = library
        # None: the settings the live build was made with, so an upload never changes how the library is built.
        self.settings = settings
        self._lock = threading.Lock()
        self._status = IngestStatus()
        self._pending = False
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        """Ingest the library soon: now, or once more after the ingest under way."""
        with self._lock:
            self._pending = True
            if self._thread is not None and self._thread.is_alive():
                return
            self._status = replace(self._status, running=True, stage="starting", started=time.time(), error="")
            self._thread = threading.Thread(target=self._run, name=f"ingest-{self.library.name}", daemon=True)
            self._thread.start()

    def status(self) -> IngestStatus:
        """The latest status (a frozen record, safe to read from any thread)."""
        return self._status

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._status = replace(self._status, **changes)  # type: ignore[arg-type]

    def _live_settings(self) -> IndexSettings:
        live = publication.intact_live(self.library.index_dir)
        return live[1].index_settings(self.library.index_dir) if live is not None else IndexSettings()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._status = replace(self._status, running=False, stage="", finished=time.time())
                    return
                self._pending = False
            self._set(stage="starting (after any other ingest of this library)", started=time.time())
            try:
                summary = build_index(
                    self.library.corpus_dir,
                    self.library.index_dir,
                    self.settings or self._live_settings(),
                    lock_wait=LOCK_WAIT_SECONDS,
                    on_stage=lambda stage: self._set(stage=stage),
                )
            except AskdocsError as error:
                logger.warning("ingest of %s failed: %s", self.library.name, error)
                self._set(error=str(error), runs=self._status.runs + 1)
            except Exception as error:  # the thread must report, not die silently
                logger.exception("ingest of %s failed", self.library.name)
                self._set(error=f"{type(error).__name__}: {error}", runs=self._status.runs + 1)
            else:
                self._set(summary=summary.lines(), error="", runs=self._status.runs + 1)


def ingest_of(library: Library) -> BackgroundIngest:
    """The one background ingest of a library in this process, shared by the page's sessions and API requests.

    With several processes (`serve --workers N`) each has its own; they queue on the index's lock.
    """
    with _REGISTRY_LOCK:
        if library not in _BY_LIBRARY:
            _BY_LIBRARY[library] = BackgroundIngest(library)
        return _BY_LIBRARY[library]
