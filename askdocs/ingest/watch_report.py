"""What the watcher reports of each ingest it ran: an `IngestRecord` and the one log line made of it."""

from __future__ import annotations

from dataclasses import dataclass

from askdocs.errors import AskdocsError
from askdocs.ingest.summary import BuildSummary


@dataclass(frozen=True)
class IngestRecord:
    """One ingest the watcher ran: what triggered it and how it ended."""

    library: str
    seconds: float
    reason: str  # "start", "retry" or what changed: "1 added, 2 removed (a.txt, b.txt, c.txt)"
    summary: BuildSummary | None = None  # None when it failed
    error: str = ""


def error_message(error: Exception) -> str:
    """An ingest's error for the log: ours as they are (they name the fix), others with their type."""
    return str(error) if isinstance(error, AskdocsError) else f"{type(error).__name__}: {error}"


def log_line(record: IngestRecord) -> str:
    """The one line logged per ingest."""
    head = f"{record.library}: "
    if record.summary is None:
        return head + f"ingest failed after {record.seconds:.1f} s, the last good build stays live: {record.error}"
    if record.summary.up_to_date:
        return head + f"up to date, nothing to do ({record.seconds:.1f} s; {record.reason})"
    c = record.summary.counts
    return head + (
        f"ingested in {record.seconds:.1f} s: {c.files} files, {c.passages} passages, "
        f"{c.chunks_embedded} chunks embedded, {c.chunks_reused} reused ({record.reason})"
    )
