"""What an ingest did: the build's counts and report (kept in the build) and the closing summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from askdocs.index.build_folder import BuildCounts, format_counts
from askdocs.ingest.corpus import Document, SkippedFile, format_of
from askdocs.ingest.prepare import PreparedBuild
from askdocs.languages import describe


@dataclass(frozen=True)
class BuildSummary:
    """What an ingest did, for the closing summary."""

    index_dir: Path
    seconds: float
    counts: BuildCounts = field(default_factory=BuildCounts)
    skipped: list[SkippedFile] = field(default_factory=list)
    vector_index: str = ""
    up_to_date: bool = False
    model: str = ""
    languages: dict[str, float] = field(default_factory=dict)
    steps: int = 0  # publications before the final one (ingest/steps.py)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        if self.up_to_date:
            return [f"index at {self.index_dir} is up to date with the corpus; nothing to do ({self.seconds:.1f} s)"]
        c = self.counts
        out = [
            f"files read: {c.files}, skipped: {len(self.skipped)}"
            + (f" ({c.documents_reused} unchanged, not parsed again)" if c.documents_reused else ""),
            f"passages: {c.passages} ({c.duplicates_merged} duplicates merged: "
            f"{c.exact_groups} exact groups, {c.near_groups} near groups), chunks: {c.chunks}",
            "files by format: " + format_counts(c.formats),
            f"lines dropped as boilerplate: {c.dropped_lines} (listed in report.json)",
            f"chunks embedded: {c.chunks_embedded}, reused from the previous index: {c.chunks_reused}",
            f"languages: {describe(self.languages)}; model: {self.model}",
            f"index: {self.vector_index} at {self.index_dir}, {self.seconds:.1f} s"
            + (f", searchable from the first of {self.steps + 1} steps" if self.steps else ""),
        ]
        out += [f"  skipped {s.source}: {s.reason}" for s in self.skipped]
        return out


def build_report(prepared: PreparedBuild, counts: BuildCounts) -> dict[str, Any]:
    """The build's report for people: files by format, files skipped, lines dropped, duplicate groups."""
    return {
        "files_by_format": counts.formats,
        "skipped": [vars(s) for s in prepared.skipped],
        "dropped": [vars(d) for doc in prepared.documents for d in doc.dropped],
        "duplicate_groups": [
            {"kind": g.kind, "text": g.text[:300], "citations": [c.to_json() for c in g.citations]}
            for g in prepared.deduped.groups
        ],
    }


def build_counts(prepared: PreparedBuild) -> BuildCounts:
    """What a prepared build holds, counted, for its manifest."""
    return BuildCounts(
        files=len(prepared.documents),
        skipped_files=len(prepared.skipped),
        passages_read=prepared.passages_read,
        passages=len(prepared.deduped.passages),
        chunks=len(prepared.chunks),
        duplicates_merged=prepared.passages_read - len(prepared.deduped.passages),
        exact_groups=prepared.deduped.count("exact"),
        near_groups=prepared.deduped.count("near"),
        dropped_lines=sum(len(doc.dropped) for doc in prepared.documents),
        chunks_embedded=prepared.chunks_embedded,
        chunks_reused=prepared.chunks_reused,
        documents_reused=prepared.documents_reused,
        formats=files_by_format(prepared.documents, prepared.skipped),
    )


def files_by_format(documents: list[Document], skipped: list[SkippedFile]) -> dict[str, dict[str, int]]:
    """Files read and skipped, by format (suffix)."""
    counts: dict[str, dict[str, int]] = {}
    for sources, key in (([d.source for d in documents], "read"), ([s.source for s in skipped], "skipped")):
        for source in sources:
            counts.setdefault(format_of(source), {"read": 0, "skipped": 0})[key] += 1
    return counts
