"""askdocs: semantic search with exact citations over a folder of documents."""

from __future__ import annotations

from askdocs.errors import (
    AskdocsError,
    EmptyCorpusError,
    IndexCorruptError,
    IndexMismatchError,
    IndexMissingError,
    IngestLockedError,
)
from askdocs.records import Chunk, Citation, Hit, Passage
from askdocs.search.searcher import Searcher
from askdocs.settings import IndexSettings, RankingSettings, Settings

__all__ = [
    "AskdocsError",
    "Chunk",
    "Citation",
    "EmptyCorpusError",
    "Hit",
    "IndexCorruptError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexSettings",
    "IngestLockedError",
    "Passage",
    "RankingSettings",
    "Searcher",
    "Settings",
]
__version__ = "0.1.0"
