"""A folder of libraries: finding them, and `ingest.py --libraries` building each into its own index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from askdocs.libraries import INDEX_FOLDER, LibraryNotFoundError, find_library, libraries_in, single_library
from tests.conftest import ROOT, SEED_LIKE, write_corpus


def test_libraries_in_a_folder(tmp_path: Path) -> None:
    write_corpus(tmp_path / "manuals", {"a.txt": "a"})
    write_corpus(tmp_path / "papers", {"b.txt": "b"})
    write_corpus(tmp_path / ".askdocs-index" / "manuals", {"x": "x"})
    (tmp_path / "loose.txt").write_text("in no library")
    found = libraries_in(tmp_path)
    assert [(lib.name, lib.corpus_dir, lib.index_dir) for lib in found] == [
        ("manuals", tmp_path / "manuals", tmp_path / INDEX_FOLDER / "manuals"),
        ("papers", tmp_path / "papers", tmp_path / INDEX_FOLDER / "papers"),
    ]
    assert libraries_in(tmp_path, tmp_path / "elsewhere")[0].index_dir == tmp_path / "elsewhere" / "manuals"
    assert find_library(found, "papers").corpus_dir == tmp_path / "papers"
    with pytest.raises(LibraryNotFoundError, match="libraries are: manuals, papers"):
        find_library(found, "nope")


def test_no_libraries_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(LibraryNotFoundError, match="does not exist"):
        libraries_in(tmp_path / "missing")
    with pytest.raises(LibraryNotFoundError, match="one subfolder per library"):
        libraries_in(tmp_path)
    assert single_library(tmp_path / "corpus", tmp_path / "index").name == "corpus"


def test_ingest_builds_every_library_and_ask_keeps_them_apart(tmp_path: Path) -> None:
    root = tmp_path / "libraries"
    write_corpus(root / "health", SEED_LIKE)
    write_corpus(root / "kites", {"kites.md": "# Flying\n\nBox kites fly best in steady winds of fifteen knots.\n"})
    write_corpus(root / "broken", {"askdocs.toml": "title = 3\n", "a.txt": "text\n"})

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)

    done = run("ingest.py", "--libraries", str(root), "--quiet")
    # The broken library is reported and fails the exit code; the others are built all the same.
    assert done.returncode == 2
    assert "askdocs.toml" in done.stderr
    assert "library health:" in done.stdout and "library kites:" in done.stdout
    asked = run(
        "-m", "askdocs", "ask", "what wind do box kites need", "--index", str(root / INDEX_FOLDER / "kites"), "--json"
    )
    assert json.loads(asked.stdout)[0]["citations"][0]["source"] == "kites.md"
    other = run(
        "-m", "askdocs", "ask", "what wind do box kites need", "--index", str(root / INDEX_FOLDER / "health"), "--json"
    )
    assert all(hit["citations"][0]["source"] != "kites.md" for hit in json.loads(other.stdout))
