"""Ingest: the one place that joins the stages, from corpus folder to published index.

`build_index` runs three phases with a record between them: prepare (prepare.py: read -> `CorpusReading`,
whose languages choose the model when the settings say "auto"; then dedup, chunk, embed -> `PreparedBuild`), write (`write_build`: the record as a new build folder ->
`Manifest`), publish (publication.py: the build made live in one atomic step).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from askdocs.encoders import Encoder, load_encoder
from askdocs.index import publication
from askdocs.index.build_folder import (
    READERS_VERSION,
    BuildReader,
    BuildWriter,
    Manifest,
)
from askdocs.index.recorded_encoder import recorded_encoder
from askdocs.ingest.build_writing import write_build
from askdocs.ingest.corpus import changed_files
from askdocs.ingest.executor import ExecutorFactory, local_executor
from askdocs.ingest.prepare import prepare_build, read_corpus
from askdocs.ingest.previous_build import Previous, load_previous
from askdocs.ingest.sharding import write_sharded_build
from askdocs.ingest.summary import BuildSummary
from askdocs.languages import model_for
from askdocs.settings import AUTO_MODEL, DEFAULT_MODEL, IndexSettings

logger = logging.getLogger(__name__)


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
) -> BuildSummary:
    """Build (or refresh) the index for a corpus folder; the old index stays live until the new one is complete.

    `executor`, given the encoder, opens where the per-item work runs (default: this process;
    `ray_executor.ray_executor` for a Ray cluster). `lock_wait`: seconds to wait for another ingest
    of the same index to finish (the watcher and the page's uploads queue behind each other).
    `on_stage` hears each stage's name as it starts, for a progress display.
    """
    stage = on_stage or (lambda name: None)
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
            reading = read_corpus(corpus_dir, settings, runner, previous, stage)
            model = build_model(settings, reading.languages, live[1].model if live else "")
            if encoder is None or (encoder.name, encoder.kind) != (model, settings.encoder):
                encoder = _choose_encoder(live, settings, model)
            runner.use(encoder)
            prepared = prepare_build(corpus_dir, reading, settings, encoder, previous.for_model(model), runner, stage)
            stage("writing the index")
            writer = BuildWriter(publication.new_build_dir(index_dir))
            if settings.shards > 1:
                live_build = live[0].build if live is not None else None
                manifest = write_sharded_build(
                    prepared, writer, encoder, settings, corpus_dir, started, live_build, runner
                )
            else:
                manifest = write_build(prepared, writer, encoder, settings, corpus_dir, started)
        # The writer hashed the files as they lie on disk, so reading them back again here would
        # only repeat that I/O; Searcher.load verifies them against these checksums.
        stage("publishing")
        publication.publish(index_dir, writer.build)
        logger.info("published %s", writer.build)
        return BuildSummary(
            index_dir,
            time.perf_counter() - started,
            manifest.counts,
            prepared.skipped,
            manifest.vector_index.get("type", ""),
            model=manifest.model,
            languages=manifest.languages,
        )
