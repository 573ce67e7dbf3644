"""File helpers: checksums, JSON written whole, JSON-lines rows parsed lazily."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from askdocs.fileio import JsonlRows, file_sha256, read_jsonl, write_json, write_jsonl


def test_jsonl_rows_parse_only_the_row_asked_for(tmp_path: Path) -> None:
    rows = [{"text": "café\nsecond line", "n": 1}, {"text": "二", "n": 2}, {"text": "", "n": 3}]
    path = tmp_path / "rows.jsonl"
    write_jsonl(path, rows)
    assert read_jsonl(path) == rows
    parsed: list[int] = []

    def convert(row: dict[str, Any]) -> int:
        parsed.append(row["n"])
        return row["n"]

    lazy = JsonlRows(path, convert)
    assert len(lazy) == 3 and parsed == []
    assert lazy[1] == 2 and parsed == [2]
    assert (lazy[0], lazy[-1], lazy[1:]) == (1, 3, [2, 3])
    assert list(lazy) == [1, 2, 3]
    with pytest.raises(IndexError):
        lazy[3]
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # a last row without its newline
    assert list(JsonlRows(path, lambda row: row["text"])) == [r["text"] for r in rows]
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert len(JsonlRows(tmp_path / "empty.jsonl", dict)) == 0


def test_json_is_written_readably_and_checksummed(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    write_json(path, {"source": "café.txt", "lines": [1, 2]})
    assert json.loads(path.read_text(encoding="utf-8")) == {"source": "café.txt", "lines": [1, 2]}
    assert "café" in path.read_text(encoding="utf-8")  # not \u-escaped
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()
