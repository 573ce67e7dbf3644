"""`ingest.py --watch`: real files changed under a running watcher (real watchfiles, real builds)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.ingest.watch import IngestRecord, Watcher, WatchSettings
from askdocs.libraries import Library, single_library
from askdocs.settings import IndexSettings
from tests.conftest import ROOT, SEED_LIKE, write_corpus

# Short enough for tests; the pieces of the slow write below come faster than `settle`.
FAST = WatchSettings(settle=0.5, debounce_ms=200, step_ms=20, retry=600.0)
WAIT = 60.0  # a bound on waiting for the watcher, not a timing assertion

GOUT = "Gout is a form of arthritis caused by uric acid crystals forming in the big toe joint.\n"


def wait_for(predicate: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Poll until `predicate` returns something true; fail at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting after {timeout:.0f} s")


def live_files(index: Path) -> dict[str, dict[str, Any]]:
    """The live build's corpus fingerprint: source -> size, mtime, sha256."""
    return publication.open_live(index, verify=False)[1].corpus_files


def top_source(index: Path, question: str) -> str:
    hits = Searcher.load(index).search(question, k=3)
    return hits[0].citations[0].source


@contextmanager
def watching(
    libraries: list[Library], encoder: Encoder, settings: WatchSettings = FAST
) -> Iterator[tuple[Watcher, list[IngestRecord]]]:
    """A watcher running in a thread, its initial ingests done; the ingests it runs are recorded."""
    records: list[IngestRecord] = []
    watcher = Watcher(libraries, IndexSettings(), settings, encoder=encoder, on_ingest=records.append)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        assert watcher.started.wait(WAIT)
        yield watcher, records
    finally:
        watcher.stop()
        thread.join(WAIT)
    assert not thread.is_alive()


def test_added_file_becomes_answerable_and_a_removed_one_goes(tmp_path: Path, encoder: Encoder) -> None:
    library = single_library(write_corpus(tmp_path / "corpus", SEED_LIKE), tmp_path / "index")
    with watching([library], encoder) as (watcher, records):
        assert [r.reason for r in records] == ["start"] and records[0].summary is not None
        assert set(live_files(library.index_dir)) == {"hips.txt", "back.txt"}
        # As the page uploads: a hidden temporary file, linked to its name when complete.
        temporary = library.corpus_dir / ".upload-1234.tmp"
        temporary.write_text(GOUT, encoding="utf-8")
        os.link(temporary, library.corpus_dir / "gout.txt")
        temporary.unlink()
        wait_for(lambda: "gout.txt" in live_files(library.index_dir))
        assert top_source(library.index_dir, "What causes gout in the big toe?") == "gout.txt"
        assert records[-1].reason == "1 added (gout.txt)"  # the hidden file was never an event

        (library.corpus_dir / "gout.txt").unlink()
        wait_for(lambda: "gout.txt" not in live_files(library.index_dir))
        searcher = Searcher.load(library.index_dir)
        assert "gout.txt" not in searcher.sources()
        assert all("uric acid" not in hit.text for hit in searcher.search("uric acid crystals in the toe", k=5))
        assert records[-1].reason == "1 removed (gout.txt)"
        assert watcher.failures == 0


def test_rename_moves_the_citation_and_only_its_library_is_ingested(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    manuals = Library("manuals", write_corpus(root / "manuals", SEED_LIKE), root / ".askdocs-index" / "manuals")
    papers = Library("papers", write_corpus(root / "papers", {"gout.txt": GOUT}), root / ".askdocs-index" / "papers")
    with watching([manuals, papers], encoder) as (_, records):
        assert top_source(papers.index_dir, "What causes gout?") == "gout.txt"
        papers_token = publication.current_token(papers.index_dir)
        (manuals.corpus_dir / "hips.txt").rename(manuals.corpus_dir / "hip-pain.txt")
        wait_for(lambda: "hip-pain.txt" in live_files(manuals.index_dir))
        assert top_source(manuals.index_dir, "What eases hip bursitis?") == "hip-pain.txt"
        assert "hips.txt" not in live_files(manuals.index_dir)
        assert {r.library for r in records[2:]} == {"manuals"}
        assert publication.current_token(papers.index_dir) == papers_token


def test_a_burst_of_300_changes_becomes_few_ingests(tmp_path: Path, encoder: Encoder) -> None:
    words = ["knee", "ankle", "wrist", "elbow", "shoulder", "neck", "spine", "hip", "heel", "thumb"]

    def note(i: int, version: int) -> str:
        return f"Note {i} version {version}: stretching the {words[i % 10]} for {i % 7 + 1} minutes helps.\n"

    library = single_library(
        write_corpus(tmp_path / "corpus", {f"note-{i:03}.txt": note(i, 1) for i in range(150)}), tmp_path / "index"
    )
    with watching([library], encoder) as (_, records):
        started = len(records)
        for i in range(300):  # 150 files rewritten, 150 created
            (library.corpus_dir / f"note-{i:03}.txt").write_text(note(i, 2), encoding="utf-8")
        final = {f"note-{i:03}.txt": len(note(i, 2)) for i in range(300)}
        wait_for(lambda: {k: v["size"] for k, v in live_files(library.index_dir).items()} == final)
        burst = records[started:]
        print(f"300 file changes -> {len(burst)} ingest(s): {[r.reason for r in burst]}")
        assert 1 <= len(burst) <= 3
        assert all(r.summary is not None for r in burst)


def test_a_broken_library_file_keeps_the_last_build_live_until_fixed(tmp_path: Path, encoder: Encoder) -> None:
    library = single_library(write_corpus(tmp_path / "corpus", SEED_LIKE), tmp_path / "index")
    with watching([library], encoder) as (watcher, records):
        token = publication.current_token(library.index_dir)
        (library.corpus_dir / "askdocs.toml").write_text("title = 3\n", encoding="utf-8")
        failed = wait_for(lambda: next((r for r in records if r.summary is None), None))
        assert "askdocs.toml" in failed.error and watcher.failures == 1
        assert publication.current_token(library.index_dir) == token
        assert top_source(library.index_dir, "What eases hip bursitis?") == "hips.txt"

        (library.corpus_dir / "askdocs.toml").write_text('title = "Back and hips"\n', encoding="utf-8")
        wait_for(lambda: publication.current_token(library.index_dir) != token)
        assert publication.open_live(library.index_dir)[1].library["title"] == "Back and hips"
        assert records[-1].summary is not None and records[-1].reason == "1 changed (askdocs.toml)"
        assert watcher.failures == 1


def test_a_transient_failure_is_retried_without_a_change(tmp_path: Path, encoder: Encoder) -> None:
    library = single_library(write_corpus(tmp_path / "corpus", SEED_LIKE), tmp_path / "index")
    settings = WatchSettings(settle=0.3, debounce_ms=200, step_ms=20, retry=0.5, lock_wait=0.2)
    with watching([library], encoder, settings) as (_, records):
        # Another ingest (a terminal's, the page's) holds the index longer than the watcher waits.
        with publication.ingest_lock(library.index_dir):
            (library.corpus_dir / "gout.txt").write_text(GOUT, encoding="utf-8")
            failed = wait_for(lambda: next((r for r in records if r.summary is None), None))
            assert "another ingest is writing" in failed.error
        # Healed by a retry, with no change in the corpus since the failure.
        wait_for(lambda: any(r.reason == "retry" and r.summary is not None for r in records))
        assert "gout.txt" in live_files(library.index_dir)


def test_a_file_written_slowly_is_never_published_half_written(tmp_path: Path, encoder: Encoder) -> None:
    library = single_library(write_corpus(tmp_path / "corpus", SEED_LIKE), tmp_path / "index")
    pieces = [f"Part {i}: the sacroiliac joint links the spine to the pelvis, step {i}.\n" for i in range(10)]
    published: list[int | None] = []

    def record(ingest: IngestRecord) -> None:
        # Runs right after each publication, before the watcher can start another.
        published.append(live_files(library.index_dir).get("slow.txt", {}).get("size"))

    with watching([library], encoder) as (watcher, _):
        watcher.on_ingest = record
        with (library.corpus_dir / "slow.txt").open("w", encoding="utf-8") as out:
            for piece in pieces:  # about 2 s in all, each pause shorter than the settle time
                out.write(piece)
                out.flush()
                time.sleep(0.2)
        final = len("".join(pieces).encode())
        wait_for(lambda: live_files(library.index_dir).get("slow.txt", {}).get("size") == final)
    print(f"sizes of slow.txt in each build published: {published}")
    assert published and all(size == final for size in published)


def test_cli_watch_picks_up_a_file_and_stops_on_ctrl_c(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    index = tmp_path / "index"
    command = [sys.executable, "ingest.py", "--corpus", str(corpus), "--index", str(index), "--watch"]
    # Ctrl-C as a terminal delivers it, even when the tests run where SIGINT is ignored (a background job).
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        wait_for(lambda: publication.current_token(index) or process.poll() is not None, timeout=300)
        assert process.poll() is None
        (corpus / "gout.txt").write_text(GOUT, encoding="utf-8")
        wait_for(lambda: "gout.txt" in live_files(index), timeout=120)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert re.search(r"stopped watching after \d+ ingests \(0 failed\)", stderr)
    assert "ingested in" in stderr and "1 added (gout.txt)" in stderr and "Traceback" not in stderr
    assert top_source(index, "What causes gout?") == "gout.txt"


def test_a_library_created_while_watching_is_built(tmp_path: Path, encoder: Encoder) -> None:
    from askdocs.libraries import libraries_in

    root = tmp_path / "libraries"
    write_corpus(root / "health", SEED_LIKE)
    records: list[IngestRecord] = []
    watcher = Watcher(
        libraries_in(root),
        IndexSettings(),
        FAST,
        encoder=encoder,
        on_ingest=records.append,
        folder=root,
        discover=lambda: libraries_in(root),
    )
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        assert watcher.started.wait(WAIT)
        write_corpus(root / "gout", {"gout.txt": GOUT})
        gout_index = root / ".askdocs-index" / "gout"
        wait_for(lambda: publication.current_token(gout_index))
        assert top_source(gout_index, "what causes gout") == "gout.txt"
        assert "gout.txt" not in live_files(root / ".askdocs-index" / "health")
        assert [r.library for r in records] == ["health", "gout"]
    finally:
        watcher.stop()
        thread.join(WAIT)
