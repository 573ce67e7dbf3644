"""The watcher's bookkeeping: each library's changes until its files settle, and when a failed one is retried.

A library's changed files have settled when, at two looks at least `WatchSettings.settle` seconds
apart with no new event between, each has the same size and modification time: a file still being
copied is not read half-written.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADDED, MODIFIED, DELETED = 1, 2, 3  # watchfiles.Change values
_VERBS = {ADDED: "added", MODIFIED: "changed", DELETED: "removed"}
# The change that stands for a whole library folder created while watching: its own path.
NEW_LIBRARY = "."
# Each changed path with its size and modification time (for a folder, those of every file in it).
Stamp = tuple[tuple[str, Any], ...]


@dataclass
class PendingChanges:
    """A library's changes not yet ingested, and since when its changed files look the same."""

    changes: dict[str, int] = field(default_factory=dict)  # corpus-relative path -> its last watchfiles.Change
    stamp: Stamp | None = None
    since: float = 0.0

    def note(self, path: str, change: int, now: float) -> None:
        """Record a change to a corpus-relative path; the files must settle again from `now`."""
        self.changes[path] = change
        self.since = now

    def settled(self, corpus_dir: Path, now: float, settle: float) -> bool:
        """True when the changed files have looked the same for `settle` seconds; a difference restarts the wait."""
        stamp = file_stamps(corpus_dir, self.changes)
        if stamp != self.stamp:
            self.stamp, self.since = stamp, now
            return False
        return now - self.since >= settle


class RetrySchedule:
    """When each failed library is retried without a change: `first` seconds after a failure, doubling with
    each failure in a row up to `longest`."""

    def __init__(self, first: float, longest: float) -> None:
        self.first, self.longest = first, longest
        self._due: dict[str, tuple[float, int]] = {}  # library -> (when, failures in a row)

    def due(self, library: str, now: float) -> bool:
        """True when the library failed and its retry time has come."""
        return library in self._due and now >= self._due[library][0]

    def failed(self, library: str) -> float:
        """Schedule the library's retry after a failure; returns the delay in seconds."""
        _, in_a_row = self._due.get(library, (0.0, 0))
        delay = min(self.first * 2**in_a_row, self.longest)
        self._due[library] = (time.monotonic() + delay, in_a_row + 1)
        return delay

    def succeeded(self, library: str) -> None:
        """Forget the library's failures."""
        self._due.pop(library, None)


def file_stamps(root: Path, changes: dict[str, int]) -> Stamp:
    """Size and modification time of each changed path (of every file in a changed folder); None if gone."""
    return tuple((name, _file_stamp(root / name)) for name in sorted(changes))


def _file_stamp(path: Path) -> Any:
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_dir():
        return (stat.st_size, stat.st_mtime_ns)
    found = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if not name.startswith("."):
                found.append((os.path.join(dirpath, name), _file_stamp(Path(dirpath) / name)))  # noqa: PTH118
    return tuple(sorted(found))


def describe_changes(changes: dict[str, int], names: int = 3) -> str:
    """What changed, for the log: '2 added, 1 removed (a.txt, b.txt, c.txt, ...)'."""
    if NEW_LIBRARY in changes:
        return "a new library"
    counts = {verb: sum(1 for c in changes.values() if _VERBS.get(c) == verb) for verb in _VERBS.values()}
    shown = sorted(changes)[:names]
    more = ", ..." if len(changes) > names else ""
    return ", ".join(f"{n} {verb}" for verb, n in counts.items() if n) + f" ({', '.join(shown)}{more})"
