"""Ingest: the one place that joins the stages, from corpus folder to published index.

`build_index` runs three phases with a record between them: prepare (prepare.py: read -> `CorpusReading`,
whose languages choose the model when the settings say "auto"; then dedup, chunk, embed -> `PreparedBuild`), write (`write_build`: the record as a new build folder ->
`Manifest`), publish (publication.py: the build made live in one atomic step). A long ingest runs
them once per step (steps.py): each step a whole build of the newest files read so far, published.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from askdocs.encoders import Encoder, load_encoder
from askdocs.errors import EmptyCorpusError
from askdocs.index import publication
from askdocs.index.build_folder import (
    READERS_VERSION,
    BuildReader,
    BuildWriter,
    Manifest,
)
from askdocs.index.progress import IngestProgress, clear_progress, write_progress
from askdocs.index.recorded_encoder import recorded_encoder
from askdocs.ingest.build_writing import write_build
from askdocs.ingest.corpus import changed_files, list_corpus
from askdocs.ingest.executor import Executor, ExecutorFactory, local_executor
from askdocs.ingest.prepare import PreparedBuild, prepare_build, read_corpus
from askdocs.ingest.previous_build import Previous, load_previous
from askdocs.ingest.sharding import write_sharded_build
from askdocs.ingest.steps import StepPlan, carried_forward, newest_first
from askdocs.ingest.summary import BuildSummary
from askdocs.languages import model_for
from askdocs.library_settings import SETTINGS_FILE
from askdocs.settings import AUTO_MODEL, DEFAULT_MODEL, IndexSettings, StepSettings

logger = logging.getLogger(__name__)

STEPS = StepSettings()


def build_is_current(corpus_dir: Path, manifest: Manifest, settings: IndexSettings) -> bool:
    """True when the build of this manifest was made from this corpus with these settings.

    (With the model "auto", the unchanged corpus has the same languages, so the model is the same too.)
    """
    # An int8 build from before the question encoder was recorded is rebuilt once (its embeddings
    # are reused), so that searching it no longer needs PyTorch.
    return (
        manifest.records_encoder
        and manifest.readers_version == READERS_VERSION
        and manifest.settings == settings
        and not changed_files(corpus_dir, manifest.corpus_files)
    )


def ingest_encoder(index_dir: Path, settings: IndexSettings) -> Encoder:
    """The encoder an ingest of this index would load (the live build's recorded int8 model when it can).

    With the model "auto" that is the live build's model (a language change is found while reading).
    """
    live = publication.intact_live(Path(index_dir))
    model = settings.model if settings.model != AUTO_MODEL else (live[1].model if live else DEFAULT_MODEL)
    return _choose_encoder(live, settings, model)


def build_model(settings: IndexSettings, languages: dict[str, float], live_model: str = "") -> str:
    """The model a build with these settings gets for a library with these languages (`live_model`: the live build's)."""
    return model_for(languages, live_model) if settings.model == AUTO_MODEL else settings.model


def _choose_encoder(live: tuple[BuildReader, Manifest] | None, settings: IndexSettings, model: str) -> Encoder:
    """The live build's recorded int8 model when it can embed this build's new chunks, else the full model.

    The recorded one spares an edit's re-ingest loading sentence-transformers and PyTorch (docs/performance.md).
    """
    if live is not None and settings.encoder == "int8" and live[1].model == model:
        recorded = recorded_encoder(*live, for_ingest=True)
        if recorded is not None:
            return recorded
    return load_encoder(model, settings.encoder)


@dataclass
class _Run:
    """One ingest's fixed facts and its running state, shared by its steps and its final build."""

    corpus_dir: Path
    index_dir: Path
    settings: IndexSettings
    runner: Executor
    stage: Callable[[str], None]
    started: float
    live: tuple[BuildReader, Manifest] | None
    previous: Previous
    encoder: Encoder | None = None
    steps: int = 0
    chunks_embedded: int = 0  # by the steps, so the final build's counts say what the whole ingest embedded
    documents_read: int = 0


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    settings: IndexSettings | None = None,
    *,
    force: bool = False,
    progress: bool = False,
    encoder: Encoder | None = None,
    executor: ExecutorFactory | None = None,
    lock_wait: float = 0,
    on_stage: Callable[[str], None] | None = None,
    steps: StepSettings | None = STEPS,
) -> BuildSummary:
    """Build (or refresh) the index for a corpus folder; the old index stays live until the new one is complete.

    `executor`, given the encoder, opens where the per-item work runs (default: this process;
    `ray_executor.ray_executor` for a Ray cluster). `lock_wait`: seconds to wait for another ingest
    of the same index to finish (the watcher and the page's uploads queue behind each other).
    `on_stage` hears each stage's name as it starts, for a progress display. `steps`: how a long
    ingest publishes the files read so far (ingest/steps.py); None publishes once, at the end.
    """
    started = time.perf_counter()
    settings = settings or IndexSettings()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    with publication.ingest_lock(index_dir, wait=lock_wait):
        publication.remove_stale_builds(index_dir)
        # Read and verified once: whether anything changed, and what the new build may reuse.
        live = publication.intact_live(index_dir)
        if not force and live is not None and build_is_current(corpus_dir, live[1], settings):
            return BuildSummary(index_dir, time.perf_counter() - started, up_to_date=True)
        previous = load_previous(*live, settings) if live is not None else Previous()
        with (executor or local_executor(progress))() as runner:
            run = _Run(
                corpus_dir, index_dir, settings, runner, on_stage or (lambda name: None), started, live, previous
            )
            run.encoder = encoder
            try:
                if steps is not None and _may_step(live, settings):
                    _publish_steps(run, steps)
                manifest, prepared = _build_and_publish(run)
            finally:
                clear_progress(index_dir)
        return BuildSummary(
            index_dir,
            time.perf_counter() - started,
            manifest.counts,
            prepared.skipped,
            manifest.vector_index.get("type", ""),
            model=manifest.model,
            languages=manifest.languages,
            steps=run.steps,
        )


def _may_step(live: tuple[BuildReader, Manifest] | None, settings: IndexSettings) -> bool:
    """Steps only add to what is searchable: none when the live build is complete but made another way
    (other settings or readers), which stays live, whole, until the rebuild is done."""
    if live is None:
        return True
    manifest = live[1]
    return manifest.settings == settings and manifest.readers_version == READERS_VERSION


def _publish_steps(run: _Run, step_settings: StepSettings) -> None:
    """Publish the files read so far at growing intervals, newest first, until the rest is the final build."""
    files, _ = list_corpus(run.corpus_dir)
    limits = run.settings.read_limits()
    readable = [f for f in files if f.source != SETTINGS_FILE]
    new = [f for f in readable if run.previous.reading_for(f, limits) is None]
    plan = StepPlan(newest_first(new), step_settings)
    known = {f.source for f in readable} - {f.source for f in new}
    if run.live is None or plan.worth_stepping():  # a page waiting for a first index says how far it is
        _report(run, plan, len(known), len(readable))
    if not plan.worth_stepping():
        return
    while (chosen := plan.next_step()) is not None:
        try:
            manifest, prepared = _build_and_publish(run, only=known | {f.source for f in chosen})
        except EmptyCorpusError:  # nothing indexable in the files so far: the next step tries with more
            continue
        run.steps += 1
        run.chunks_embedded += prepared.chunks_embedded
        run.documents_read += len(prepared.documents) - prepared.documents_reused
        run.previous = carried_forward(run.previous, prepared, manifest.corpus_files, manifest.model)
        plan.mark_published(time.perf_counter() - run.started)
        _report(run, plan, manifest.counts.files + manifest.counts.skipped_files, len(readable))


def _report(run: _Run, plan: StepPlan, searchable: int, total: int) -> None:
    """Tell the page, the API and the caller how many files are searchable and how long the rest will take."""
    now = time.time()
    started = now - (time.perf_counter() - run.started)
    progress = IngestProgress(searchable, total, run.steps, started, now, plan.seconds_left())
    write_progress(run.index_dir, progress)
    run.stage(progress.describe())
    logger.info("%s", progress.describe())


def _build_and_publish(run: _Run, only: set[str] | None = None) -> tuple[Manifest, PreparedBuild]:
    """Read, prepare and write a build of the corpus (`only` these files, for a step) and publish it."""
    settings, runner, stage = run.settings, run.runner, run.stage
    reading = read_corpus(run.corpus_dir, settings, runner, run.previous, stage, only)
    model = build_model(settings, reading.languages, run.live[1].model if run.live else "")
    encoder = run.encoder
    if encoder is None or (encoder.name, encoder.kind) != (model, settings.encoder):
        encoder = run.encoder = _choose_encoder(run.live, settings, model)
    runner.use(encoder)
    prepared = prepare_build(run.corpus_dir, reading, settings, encoder, run.previous.for_model(model), runner, stage)
    if only is None and run.steps:
        prepared = replace(
            prepared,
            chunks_embedded=prepared.chunks_embedded + run.chunks_embedded,
            chunks_reused=max(prepared.chunks_reused - run.chunks_embedded, 0),
            documents_reused=max(prepared.documents_reused - run.documents_read, 0),
        )
    stage("writing the index")
    writer = BuildWriter(publication.new_build_dir(run.index_dir))
    if settings.shards > 1:
        live_build = run.live[0].build if run.live is not None else None
        manifest = write_sharded_build(
            prepared, writer, encoder, settings, run.corpus_dir, run.started, live_build, runner
        )
    else:
        manifest = write_build(prepared, writer, encoder, settings, run.corpus_dir, run.started)
    # The writer hashed the files as they lie on disk, so reading them back again here would
    # only repeat that I/O; Searcher.load verifies them against these checksums.
    stage("publishing")
    publication.publish(run.index_dir, writer.build)
    logger.info("published %s", writer.build)
    run.live = (BuildReader(writer.build), manifest)
    return manifest, prepared
