"""A long ingest published in steps: the newest files first, each step a whole build of every file read so far.

`pipeline.build_index` plans the steps with a `StepPlan`: the first takes the newest files up to
`StepSettings.first_bytes` (answers within about a minute), each later one as many more as the rate
measured so far says will take `growth - 1` times the time spent already (doubling intervals), and
the last step is the ordinary final build. Each step is published like any build (atomic `CURRENT`
swap), so a reader always sees a consistent index; a step's build reuses everything the steps before
it read and embedded (`carried_forward`), so a step costs its new files plus one rewrite of the index.

Why whole builds rather than segments searched side by side: a build of several parts searched
together costs 1.6-1.8x one folder's latency (the sharded index, docs/scaling.md), while rewriting at
doubling intervals costs about one extra write of the final index in all (bench/steps.py,
docs/scaling.md). A removed or edited file is exact at each step: every step lists the corpus anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from askdocs.ingest.corpus import CorpusFile
from askdocs.ingest.prepare import PreparedBuild
from askdocs.ingest.previous_build import Previous
from askdocs.settings import StepSettings


def newest_first(files: list[CorpusFile]) -> list[CorpusFile]:
    """The files by modification time, newest first (ties by name): what a user most likely asks about."""
    return sorted(files, key=lambda f: (-f.mtime_ns, f.source))


def files_within(files: list[CorpusFile], start: int, budget: float) -> int:
    """The end of the run of files from `start` whose bytes reach `budget` (at least one file)."""
    taken = 0
    end = start
    while end < len(files) and (end == start or taken < budget):
        taken += files[end].size
        end += 1
    return end


@dataclass
class StepPlan:
    """Which of an ingest's new files each step includes, and what the measured rate says of the rest."""

    files: list[CorpusFile]  # the files to read, newest first
    settings: StepSettings = field(default_factory=StepSettings)
    taken: int = 0  # files included in the steps planned so far
    # (seconds since the ingest started, bytes taken) at each step's publication: the measured rate.
    published: list[tuple[float, int]] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """The bytes of every new file."""
        return sum(f.size for f in self.files)

    def bytes_taken(self) -> int:
        """The bytes of the files the steps so far include."""
        return sum(f.size for f in self.files[: self.taken])

    def worth_stepping(self) -> bool:
        """Whether the new content is large enough for steps: more than twice the first step (a small
        ingest publishes once, at the end)."""
        return len(self.files) > 1 and self.total_bytes > 2 * self.settings.first_bytes

    def next_step(self) -> list[CorpusFile] | None:
        """The new files the next step includes (all taken so far and more); None: the rest is the final build.

        At a steady rate, `growth - 1` times the bytes taken so far take `growth - 1` times the time
        spent so far: the steps' publications come at growing intervals (doubling, by default).
        """
        done = self.bytes_taken()
        budget = self.settings.first_bytes if not self.taken else done * (self.settings.growth - 1)
        end = files_within(self.files, self.taken, budget)
        # A last step with most of the files would only delay the final build that follows it.
        if sum(f.size for f in self.files[end:]) < budget / 2:
            return None
        self.taken = end
        return self.files[:end]

    def mark_published(self, elapsed: float) -> None:
        """The step planned last was published `elapsed` seconds after the ingest started."""
        self.published.append((elapsed, self.bytes_taken()))

    def seconds_left(self) -> float | None:
        """The time the files not yet taken will take at the rate measured so far; None before any step.

        The rate is measured from the first publication on, once there are two: the first step also
        loaded the model and started the workers, which the rest does not repeat.
        """
        if not self.published:
            return None
        (first_at, first_bytes), (last_at, last_bytes) = self.published[0], self.published[-1]
        if len(self.published) == 1 or last_at <= first_at:
            first_at, first_bytes = 0.0, 0
        rate = (last_bytes - first_bytes) / max(last_at - first_at, 1e-9)
        return (self.total_bytes - last_bytes) / rate if rate > 0 else None


def carried_forward(
    previous: Previous, prepared: PreparedBuild, corpus_files: dict[str, dict[str, Any]], model: str
) -> Previous:
    """`previous` and what a step's build read and computed, for the next step (nothing is read or embedded twice)."""
    if model != previous.model:
        previous = Previous(model=model, files=previous.files, documents=previous.documents)
    embeddings = dict(previous.embeddings)
    embeddings.update(zip(prepared.hashes, prepared.embedded))
    embeddings.update(prepared.merged_away)
    minhashes = dict(previous.minhashes)
    minhashes.update(zip(prepared.minhash_keys, np.asarray(prepared.minhashes)))
    refused = {**previous.refused, **{s.source: s for s in prepared.skipped if s.sha256}}
    return Previous(
        embeddings=embeddings,
        plans={**previous.plans, **prepared.plans},
        minhashes=minhashes,
        documents={**previous.documents, **{d.source: d for d in prepared.documents}},
        files={**previous.files, **corpus_files},
        refused=refused,
        model=model,
    )
