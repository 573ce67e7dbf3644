"""File helpers: checksums (of files and of texts), JSON written durably, and JSON-lines rows read lazily from a memory map."""

from __future__ import annotations

import hashlib
import json
import mmap
import os
from abc import abstractmethod
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np

T = TypeVar("T")


def content_hash(text: str) -> str:
    """Stable identity of a normalised text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, data: Any) -> None:
    """Write JSON and flush it to disk."""
    with path.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())


def write_jsonl(path: Path, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
    """Write one JSON object a line."""
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Read one JSON object a line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


class RowSequence(Sequence[T]):
    """A read-only sequence of rows fetched one at a time (`_row`): slices and negative numbers as lists take them."""

    @abstractmethod
    def _row(self, row: int) -> T:
        """Row `row`, 0 <= row < len(self)."""

    @overload
    def __getitem__(self, row: int) -> T: ...

    @overload
    def __getitem__(self, row: slice) -> list[T]: ...

    def __getitem__(self, row: int | slice) -> T | list[T]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row) + (len(self) if row < 0 else 0)
        if not 0 <= row < len(self):
            raise IndexError(row)
        return self._row(row)


class JsonlRows(RowSequence[T]):
    """The rows of a JSON-lines file, each parsed (and passed to `convert`) only when it is read.

    The file is memory-mapped and only the start of each line is kept, 8 bytes a row, so an
    index of a million chunks does not hold a million parsed records to answer ten at a time.
    JSON escapes newlines inside strings, so every newline byte ends a row.
    """

    def __init__(self, path: Path, convert: Callable[[dict[str, Any]], T]) -> None:
        self._convert = convert
        # A question reads each of its hits' rows more than once (text, citations, sentences).
        self._parse = lru_cache(maxsize=256)(self._parse_row)
        self._data: mmap.mmap | bytes = b""
        if path.stat().st_size:
            with path.open("rb") as handle:
                self._data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = np.frombuffer(self._data, dtype=np.uint8)
        block = 1 << 26  # scan 64 MB at a time: the comparison would otherwise copy the whole file
        ends = [np.flatnonzero(view[at : at + block] == 10) + at for at in range(0, view.size, block)]
        starts = [np.zeros(1, np.int64), *[e + 1 for e in ends]]
        if view.size and view[-1] != 10:  # a last row without its newline still counts
            starts.append(np.asarray([view.size]))
        self._starts = np.concatenate(starts).astype(np.int64)

    def __len__(self) -> int:
        return len(self._starts) - 1

    def _row(self, row: int) -> T:
        return self._parse(row)

    def _parse_row(self, row: int) -> T:
        return self._convert(json.loads(self._data[self._starts[row] : self._starts[row + 1]]))
