"""The library's files as arrays a filter is decided on at once: each file's format, folder and date,
the formats and folders stored once each. Built on a searcher's first filtered question; a filter
then costs one comparison per distinct format or folder and a vector operation over the files."""

from __future__ import annotations

from datetime import date
from pathlib import PurePosixPath

import numpy as np

from askdocs.index.loaded import LoadedIndex

# A file without a recorded date: never kept by after: or before:.
UNDATED = np.iinfo(np.int32).min


class SourceTable:
    """Every cited file of one build: names, format and folder numbers, dates as day numbers."""

    def __init__(self, index: LoadedIndex) -> None:
        self.index = index
        self.sources = np.asarray(index.sources(), dtype=object)
        paths = [PurePosixPath(source) for source in self.sources]
        self.formats, format_ids = np.unique([p.suffix.lower().lstrip(".") for p in paths], return_inverse=True)
        self.folders, folder_ids = np.unique([str(p.parent).casefold() for p in paths], return_inverse=True)
        self.format_ids = np.asarray(format_ids, dtype=np.int32).reshape(-1)
        self.folder_ids = np.asarray(folder_ids, dtype=np.int32).reshape(-1)
        self._days: np.ndarray | None = None

    def days(self) -> np.ndarray:
        """Each file's date as a day number (`date.toordinal`), read on the first date filter."""
        if self._days is None:
            dates = [self.index.document_date(str(source)) for source in self.sources]
            self._days = np.asarray([d.toordinal() if d else UNDATED for d in dates], dtype=np.int32)
        return self._days

    def of_format(self, wanted: tuple[str, ...]) -> np.ndarray:
        """A mask over the files: those of one of the formats."""
        return np.isin(self.format_ids, np.flatnonzero(np.isin(self.formats, list(wanted))))

    def in_folder(self, wanted: tuple[str, ...]) -> np.ndarray:
        """A mask over the files: those in a folder whose path, at any depth, starts with one of `wanted`."""
        names = [w.casefold() for w in wanted]
        matching = [
            number
            for number, folder in enumerate(self.folders)
            if folder != "." and any(_tails_start(str(folder), name) for name in names)
        ]
        return np.isin(self.folder_ids, matching)

    def named(self, wanted: tuple[str, ...]) -> np.ndarray:
        """A mask over the files: those whose path is, or ends with, one of the names."""
        return np.asarray([any(s == n or s.endswith("/" + n) for n in wanted) for s in self.sources], dtype=bool)

    def dated(self, after: date | None, before: date | None) -> np.ndarray:
        """A mask over the files: those dated on or after `after` and before `before`."""
        days = self.days()
        kept = days != UNDATED
        if after:
            kept &= days >= after.toordinal()
        if before:
            kept &= days < before.toordinal()
        return kept


def _tails_start(folder: str, name: str) -> bool:
    """Whether the folder path, or a tail of it starting at one of its folders, starts with `name`."""
    parts = folder.split("/")
    return any("/".join(parts[at:]).startswith(name) for at in range(len(parts)))
