"""What a running ingest says about itself: how many files are searchable, how many more are coming.

The ingest writes `INDEX/PROGRESS.json` (atomically replaced) when it starts publishing in steps and
after every step, and removes it when it ends; the page and `GET /documents/status` read it, whichever
process runs the ingest (a terminal, the watcher, the page's background ingest). A file whose writer
died (kill -9) is ignored: it names its host and process id, and a reader on that host checks the process.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass, fields
from pathlib import Path

PROGRESS = "PROGRESS.json"


@dataclass(frozen=True)
class IngestProgress:
    """A stepped ingest's state: files searchable in the live step, of how many, and the time it expects."""

    files_searchable: int
    files_total: int
    steps: int  # steps published so far
    started: float  # epoch seconds
    updated: float
    seconds_left: float | None  # None until a step measured the rate
    host: str = ""
    pid: int = 0

    def describe(self) -> str:
        """'1,200 of 5,000 files searchable, about 40 minutes left' for people."""
        said = f"{self.files_searchable:,} of {self.files_total:,} files searchable"
        if self.seconds_left is None:
            return said + ", the first ones soon" if not self.files_searchable else said
        return f"{said}, {about(self.seconds_left)} left"


def about(seconds: float) -> str:
    """A rough duration for people: 'about 40 minutes', 'under a minute'."""
    if seconds < 60:
        return "under a minute"
    if seconds < 5400:
        minutes = round(seconds / 60)
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    return f"about {seconds / 3600:.1f} hours"


def write_progress(index_dir: Path, progress: IngestProgress) -> None:
    """Replace the index's progress file in one step (a reader never sees half of it)."""
    stamped = IngestProgress(**{**asdict(progress), "host": socket.gethostname(), "pid": os.getpid()})
    temporary = Path(index_dir) / f".{PROGRESS}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(asdict(stamped)), encoding="utf-8")
    os.replace(temporary, Path(index_dir) / PROGRESS)


def clear_progress(index_dir: Path) -> None:
    """The ingest ended: no progress to report."""
    (Path(index_dir) / PROGRESS).unlink(missing_ok=True)


def read_progress(index_dir: Path) -> IngestProgress | None:
    """The running ingest's progress; None when none is running (or its writer died)."""
    try:
        data = json.loads((Path(index_dir) / PROGRESS).read_text(encoding="utf-8"))
        progress = IngestProgress(**{f.name: data[f.name] for f in fields(IngestProgress)})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if progress.host == socket.gethostname() and not _alive(progress.pid):
        return None
    return progress


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True
