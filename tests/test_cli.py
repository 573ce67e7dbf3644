"""The command lines, run as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SEED_LIKE, write_corpus


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ingest_then_ask_json(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {**SEED_LIKE, "notes.md": "# Sleep\n\nA pillow between the knees eases hip pain at night.\n"},
    )
    index = tmp_path / "index"
    done = run("ingest.py", "--corpus", str(corpus), "--index", str(index), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "files read: 3, skipped: 0" in done.stdout
    assert "1 exact groups" in done.stdout
    again = run("ingest.py", "--corpus", str(corpus), "--index", str(index), "--quiet")
    assert "up to date" in again.stdout
    asked = run("-m", "askdocs", "ask", "pillow between knees at night", "--index", str(index), "--k", "2", "--json")
    assert asked.returncode == 0, asked.stderr
    hits = json.loads(asked.stdout)
    assert hits[0]["citations"][0]["source"] == "notes.md"
    assert hits[0]["citations"][0]["line"] == 3
    assert hits[0]["text"] == "A pillow between the knees eases hip pain at night."


def test_empty_corpus_is_refused_and_the_old_index_kept(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert (
        run(
            "ingest.py", "--corpus", str(write_corpus(tmp_path / "c", SEED_LIKE)), "--index", str(index), "--quiet"
        ).returncode
        == 0
    )
    before = (index / "CURRENT").read_text()
    empty = write_corpus(tmp_path / "empty", {"blank.txt": "", "image.png": b"\x89PNG"})
    done = run("ingest.py", "--corpus", str(empty), "--index", str(index), "--quiet")
    assert done.returncode == 2
    assert "no indexable text" in done.stderr and "Traceback" not in done.stderr
    assert (index / "CURRENT").read_text() == before


def test_ask_without_index_says_which_command_fixes_it(tmp_path: Path) -> None:
    done = run("-m", "askdocs", "ask", "anything", "--index", str(tmp_path / "none"))
    assert done.returncode == 2
    assert "python ingest.py --index" in done.stderr and "Traceback" not in done.stderr
