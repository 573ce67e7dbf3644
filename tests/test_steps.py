"""ingest/steps.py and index/progress.py on tiny inputs: which files each step takes, the time left, the progress file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from askdocs.index.progress import PROGRESS, IngestProgress, about, clear_progress, read_progress, write_progress
from askdocs.ingest.corpus import CorpusFile
from askdocs.ingest.steps import StepPlan, files_within, newest_first
from askdocs.settings import StepSettings


def _files(*sizes: int) -> list[CorpusFile]:
    return [CorpusFile(Path(f"f{i}.txt"), f"f{i}.txt", size, mtime_ns=i) for i, size in enumerate(sizes)]


def test_newest_first_orders_by_modification_time_then_name() -> None:
    files = [CorpusFile(Path(n), n, 1, t) for n, t in (("b", 5), ("a", 5), ("c", 9))]
    assert [f.source for f in newest_first(files)] == ["c", "a", "b"]


def test_files_within_reaches_the_budget_and_takes_at_least_one() -> None:
    files = _files(10, 10, 10)
    assert files_within(files, 0, 15) == 2
    assert files_within(files, 0, 1) == 1
    assert files_within(files, 2, 100) == 3


def test_steps_double_and_a_small_remainder_goes_to_the_final_build() -> None:
    plan = StepPlan(_files(*[10] * 16), StepSettings(first_bytes=20, growth=2.0))
    assert plan.worth_stepping()
    taken = []
    while (step := plan.next_step()) is not None:
        taken.append(len(step))
    # 2 files, then as many again (4), then 8; the 8 left would be the whole budget of a 16-file step: the final build's.
    assert taken == [2, 4, 8]
    assert not StepPlan(_files(10, 10, 10), StepSettings(first_bytes=20)).worth_stepping()


def test_seconds_left_is_measured_after_the_first_step() -> None:
    plan = StepPlan(_files(100, 100, 200), StepSettings(first_bytes=100))
    assert plan.seconds_left() is None
    plan.next_step()
    plan.mark_published(10.0)  # 100 bytes in 10 s, model loading included
    assert plan.seconds_left() == 30.0
    plan.next_step()
    plan.mark_published(12.0)  # the next 100 bytes in 2 s: the rate from the first publication on
    assert plan.seconds_left() == 4.0


def test_progress_is_described_for_people() -> None:
    progress = IngestProgress(1200, 5000, 3, 0.0, 0.0, 2400.0)
    assert progress.describe() == "1,200 of 5,000 files searchable, about 40 minutes left"
    assert IngestProgress(0, 5, 0, 0.0, 0.0, None).describe() == "0 of 5 files searchable, the first ones soon"
    assert [about(s) for s in (30, 61, 7200)] == ["under a minute", "about 1 minute", "about 2.0 hours"]


def test_progress_file_round_trips_and_a_dead_writer_is_ignored(tmp_path: Path) -> None:
    assert read_progress(tmp_path) is None
    progress = IngestProgress(1, 3, 1, 100.0, 101.0, 12.5)
    write_progress(tmp_path, progress)
    read = read_progress(tmp_path)
    assert read is not None and (read.files_searchable, read.files_total, read.seconds_left) == (1, 3, 12.5)
    text = (tmp_path / PROGRESS).read_text()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / PROGRESS).write_text(text.replace(f'"pid": {read.pid}', f'"pid": {int(dead.stdout)}'))
    assert read_progress(tmp_path) is None  # killed mid-ingest: nothing is under way
    (tmp_path / PROGRESS).write_text("{not json")
    assert read_progress(tmp_path) is None
    clear_progress(tmp_path)
    assert not (tmp_path / PROGRESS).exists()
