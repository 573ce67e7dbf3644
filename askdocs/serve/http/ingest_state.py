"""What the API says of a library's ingests: this process's background ingest, and a stepped ingest's progress
(`index/progress.py`, written by whichever process runs it)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from askdocs.index.progress import IngestProgress
from askdocs.serve.background import IngestStatus


class IngestInfo(BaseModel):
    """This server process's background ingest of the library; times are UTC, null before the first."""

    running: bool
    stage: str
    started: datetime | None
    finished: datetime | None
    runs: int
    summary: list[str]
    error: str


class Searchable(BaseModel):
    """A long ingest publishing in steps (by any process): files searchable now, of how many, time left."""

    files: int
    of_files: int
    steps: int
    seconds_left: float | None
    text: str  # "1,200 of 5,000 files searchable, about 40 minutes left"


def searchable_info(progress: IngestProgress | None) -> Searchable | None:
    """The running ingest's progress as the API reports it; None when no ingest is publishing in steps."""
    if progress is None:
        return None
    return Searchable(
        files=progress.files_searchable,
        of_files=progress.files_total,
        steps=progress.steps,
        seconds_left=progress.seconds_left,
        text=progress.describe(),
    )


def ingest_info(status: IngestStatus) -> IngestInfo:
    """A background ingest's status as the API reports it."""
    return IngestInfo(
        running=status.running,
        stage=status.stage,
        started=_when(status.started),
        finished=_when(status.finished),
        runs=status.runs,
        summary=status.summary,
        error=status.error,
    )


def _when(stamp: float) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp else None
