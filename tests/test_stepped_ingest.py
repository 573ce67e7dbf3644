"""A long ingest publishes in steps (ingest/steps.py): answers while it runs, exact removals, a kill -9 between steps."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.index.progress import read_progress
from askdocs.ingest.pipeline import build_index
from askdocs.ingest.summary import BuildSummary
from askdocs.search.searcher import Searcher
from askdocs.settings import IndexSettings, StepSettings
from tests.conftest import write_corpus
from tests.test_publication import _ingest, random_paragraphs

# About 600 kB of text in 300 files: a first step of 20 kB (8 files) is published within seconds,
# then 4 to 5 more at doubling sizes before the final build.
STEPS = StepSettings(first_bytes=20_000)
QUOKKA = "quokka.txt"
QUESTION = "How many quokkas live on Rottnest Island?"
FACT = "About twelve thousand quokkas live on Rottnest Island, off the coast of Perth.\n"
OKAPI = "okapi.txt"
# Bounds on waits, not measures.
WAIT_SECONDS = 300


def _corpus(folder: Path, files: int = 300) -> Path:
    """Paragraph files dated oldest to newest, and the quokka and okapi files newest of all (read first)."""
    texts: dict[str, str | bytes] = {f"part{i:03d}.txt": random_paragraphs(i, 5) for i in range(files)}
    texts[QUOKKA] = FACT
    texts[OKAPI] = "The okapi is a forest giraffe of the Congo with striped legs.\n"
    corpus = write_corpus(folder, texts)
    start = time.time() - 100_000
    for i in range(files):
        os.utime(corpus / f"part{i:03d}.txt", (start + i, start + i))
    for name in (QUOKKA, OKAPI):
        os.utime(corpus / name, (start + files + 10, start + files + 10))
    return corpus


def _sources(searcher: Searcher, question: str, k: int = 5) -> list[str]:
    return [c.source for hit in searcher.search(question, k=k) for c in hit.citations]


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_a_file_read_first_answers_while_the_ingest_runs_and_the_end_equals_one_build(
    tmp_path: Path, encoder: Encoder
) -> None:
    corpus, index = _corpus(tmp_path / "corpus"), tmp_path / "index"
    finished: list[BuildSummary] = []
    ingest = threading.Thread(
        target=lambda: finished.append(build_index(corpus, index, encoder=encoder, steps=STEPS)), daemon=True
    )
    ingest.start()
    _wait_for(lambda: publication.current_token(index) is not None, "the first step")
    first = Searcher.load(index)
    assert _sources(first, QUESTION, k=1) == [QUOKKA]
    progress = read_progress(index)
    assert ingest.is_alive() and progress is not None, "answered only after the ingest had ended"
    assert 0 < progress.files_searchable < progress.files_total == 302
    assert len(first.manifest.corpus_files) < 302
    ingest.join(WAIT_SECONDS)
    assert finished and finished[0].steps >= 3 and read_progress(index) is None
    assert "searchable from the first of" in "\n".join(finished[0].lines())
    # The last step is an ordinary build: the same hits as one ingest of the same files, without steps.
    build_index(corpus, tmp_path / "once", encoder=encoder, steps=None)
    stepped, once = Searcher.load(index), Searcher.load(tmp_path / "once")
    assert stepped.manifest.counts.chunks == once.manifest.counts.chunks
    for question in (QUESTION, "okapi legs", "forest giraffe", "bone cement"):
        assert [(h.text, round(h.score, 6)) for h in stepped.search(question, k=5)] == [
            (h.text, round(h.score, 6)) for h in once.search(question, k=5)
        ]


@pytest.mark.parametrize("shards", [1, 2])
def test_a_file_removed_or_edited_mid_ingest_is_exact_from_the_next_step_on(
    tmp_path: Path, encoder: Encoder, shards: int
) -> None:
    """Each step a build of its own: with shards, each step is a sharded build (the same structure, not a second)."""
    corpus, index = _corpus(tmp_path / "corpus"), tmp_path / "index"
    checked: list[int] = []

    def after_each_step(stage: str) -> None:
        # Heard in the ingest's own thread right after each step's publication (and once before the first).
        if "files searchable" not in stage or publication.current_token(index) is None:
            return
        searcher = Searcher.load(index)
        if (corpus / QUOKKA).exists():
            assert _sources(searcher, QUESTION, k=1) == [QUOKKA]  # read in the first step
            (corpus / QUOKKA).unlink()
            (corpus / OKAPI).write_text("The okapi was first described by science in 1901.\n", encoding="utf-8")
            return
        assert QUOKKA not in _sources(searcher, QUESTION, k=10)
        assert QUOKKA not in searcher.manifest.corpus_files
        edited = [h for h in searcher.search("When was the okapi described by science?", k=3)]
        assert "1901" in edited[0].text and not any("striped legs" in h.text for h in edited)
        checked.append(searcher.manifest.counts.files)

    settings = IndexSettings(shards=shards)
    summary = build_index(corpus, index, settings, encoder=encoder, steps=STEPS, on_stage=after_each_step)
    assert len(checked) >= 2 and summary.steps >= 3
    final = Searcher.load(index)
    assert len(final.manifest.shards) == shards if shards > 1 else not final.manifest.shards
    assert QUOKKA not in _sources(final, QUESTION, k=10) and summary.counts.files == 301


def test_kill_9_between_steps_keeps_the_last_step_live_and_the_next_ingest_continues(
    tmp_path: Path, encoder: Encoder
) -> None:
    corpus, index = _corpus(tmp_path / "corpus"), tmp_path / "index"
    process = _ingest(corpus, index, "--first-step-bytes", str(STEPS.first_bytes))

    def published_a_step() -> bool:
        assert process.poll() is None, process.communicate()
        progress = read_progress(index)
        return progress is not None and progress.steps >= 1

    _wait_for(published_a_step, "a published step")
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert read_progress(index) is None  # its writer is dead: no ingest is under way
    step = Searcher.load(index)
    kept = set(step.manifest.corpus_files)
    assert QUOKKA in kept and 0 < len(kept) < 302
    assert _sources(step, QUESTION, k=1) == [QUOKKA]
    summary = build_index(corpus, index, encoder=encoder, steps=STEPS)
    final = Searcher.load(index)
    assert set(final.manifest.corpus_files) == {p.name for p in corpus.iterdir()}
    # The killed ingest's last step was not read or embedded again.
    assert summary.counts.documents_reused >= len(kept) - 1
    assert summary.counts.chunks_embedded < summary.counts.chunks
