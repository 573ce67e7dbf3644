"""Ingest: the one place that joins the stages, from corpus folder to published index.

`build_index` runs three phases with a record between them: prepare (prepare.py: read, dedup,
chunk, embed -> `PreparedBuild`), write (`write_build`: the record as a new build folder ->
`Manifest`), publish (store.py: the build made live in one atomic step).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from askdocs import store
from askdocs.chunking import sentence_spans
from askdocs.encoders import Encoder, load_encoder, recorded_encoder
from askdocs.fileio import file_sha256
from askdocs.index_format import (
    KEYWORD_DIR,
    READERS_VERSION,
    TOKENIZER,
    VECTOR_INDEX_STEM,
    BuildCounts,
    BuildReader,
    BuildWriter,
    ChunkRow,
    Manifest,
)
from askdocs.keyword import build_keyword_index
from askdocs.library import library_settings
from askdocs.prepare import Executor, LocalExecutor, PreparedBuild, prepare_build
from askdocs.presentation import format_counts
from askdocs.readers import CorpusFile, Document, SkippedFile, format_of, list_corpus
from askdocs.reuse import Previous, load_previous
from askdocs.settings import IndexSettings
from askdocs.vector_index import build_vector_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildSummary:
    """What an ingest did, for the closing summary."""

    index_dir: Path
    seconds: float
    counts: BuildCounts = field(default_factory=BuildCounts)
    skipped: list[SkippedFile] = field(default_factory=list)
    vector_index: str = ""
    up_to_date: bool = False

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        if self.up_to_date:
            return [f"index at {self.index_dir} is up to date with the corpus; nothing to do ({self.seconds:.1f} s)"]
        c = self.counts
        out = [
            f"files read: {c.files}, skipped: {len(self.skipped)}"
            + (f" ({c.documents_reused} unchanged, not parsed again)" if c.documents_reused else ""),
            f"passages: {c.passages} ({c.duplicates_merged} duplicates merged: "
            f"{c.exact_groups} exact groups, {c.near_groups} near groups), chunks: {c.chunks}",
            "files by format: " + format_counts(c.formats),
            f"lines dropped as boilerplate: {c.dropped_lines} (listed in report.json)",
            f"chunks embedded: {c.chunks_embedded}, reused from the previous index: {c.chunks_reused}",
            f"index: {self.vector_index} at {self.index_dir}, {self.seconds:.1f} s",
        ]
        out += [f"  skipped {s.source}: {s.reason}" for s in self.skipped]
        return out


def corpus_fingerprint(files: list[CorpusFile], digests: dict[str, str]) -> dict[str, dict[str, Any]]:
    """What the index was built from, to tell later whether the corpus changed."""
    return {f.source: {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": digests.get(f.source)} for f in files}


def changed_files(corpus_dir: Path, manifest: Manifest) -> list[str]:
    """Corpus files added, removed or edited since the index was built."""
    files, _ = list_corpus(corpus_dir)
    recorded = manifest.corpus_files
    changed = sorted(set(recorded) - {f.source for f in files})
    for f in files:
        before = recorded.get(f.source)
        if (
            before is None
            or before["size"] != f.size
            or (before["mtime_ns"] != f.mtime_ns and before.get("sha256") != file_sha256(f.path))
        ):
            changed.append(f.source)
    return changed


def _is_current(corpus_dir: Path, manifest: Manifest, settings: IndexSettings) -> bool:
    """True when the build of this manifest was made from this corpus with these settings."""
    # An int8 build from before the question encoder was recorded is rebuilt once (its embeddings
    # are reused), so that searching it no longer needs PyTorch.
    return (
        manifest.records_encoder
        and manifest.readers_version == READERS_VERSION
        and manifest.settings == settings
        and not changed_files(corpus_dir, manifest)
    )


def is_up_to_date(corpus_dir: Path, index_dir: Path, settings: IndexSettings) -> bool:
    """True when the live index is intact and was built from this corpus with these settings."""
    live = store.intact_live(index_dir)
    return live is not None and _is_current(corpus_dir, live[1], settings)


def ingest_encoder(index_dir: Path, settings: IndexSettings) -> Encoder:
    """The encoder an ingest of this index would load (the live build's recorded int8 model when it can)."""
    return _choose_encoder(store.intact_live(Path(index_dir)), settings)


def _choose_encoder(live: tuple[BuildReader, Manifest] | None, settings: IndexSettings) -> Encoder:
    """The live build's recorded int8 model when it can embed this build's new chunks, else the full model.

    The recorded one spares an edit's re-ingest loading sentence-transformers and PyTorch (docs/performance.md).
    """
    if live is not None and settings.encoder == "int8" and live[1].model == settings.model:
        recorded = recorded_encoder(*live, for_ingest=True)
        if recorded is not None:
            return recorded
    return load_encoder(settings.model, settings.encoder)


def local_executor(progress: bool = False) -> Callable[[Encoder], AbstractContextManager[Executor]]:
    """For `build_index(executor=...)`: the per-item work in this process (the default)."""

    def open_local(encoder: Encoder) -> AbstractContextManager[Executor]:
        return nullcontext(LocalExecutor(encoder, progress))

    return open_local


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    settings: IndexSettings | None = None,
    *,
    force: bool = False,
    progress: bool = False,
    encoder: Encoder | None = None,
    executor: Callable[[Encoder], AbstractContextManager[Executor]] | None = None,
    lock_wait: float = 0,
    on_stage: Callable[[str], None] | None = None,
) -> BuildSummary:
    """Build (or refresh) the index for a corpus folder; the old index stays live until the new one is complete.

    `executor`, given the encoder, opens where the per-item work runs (default: this process;
    `distributed.ray_executor` for a Ray cluster). `lock_wait`: seconds to wait for another ingest
    of the same index to finish (the watcher and the page's uploads queue behind each other).
    `on_stage` hears each stage's name as it starts, for a progress display.
    """
    stage = on_stage or (lambda name: None)
    started = time.perf_counter()
    settings = settings or IndexSettings()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    with store.ingest_lock(index_dir, wait=lock_wait):
        store.remove_stale_builds(index_dir)
        # Read and verified once: whether anything changed, and what the new build may reuse.
        live = store.intact_live(index_dir)
        if not force and live is not None and _is_current(corpus_dir, live[1], settings):
            return BuildSummary(index_dir, time.perf_counter() - started, up_to_date=True)
        if encoder is None or (encoder.name, encoder.kind) != (settings.model, settings.encoder):
            encoder = _choose_encoder(live, settings)
        previous = load_previous(*live, settings) if live is not None else Previous()
        with (executor or local_executor(progress))(encoder) as runner:
            prepared = prepare_build(corpus_dir, settings, encoder, previous, runner, stage)
        stage("writing the index")
        writer = BuildWriter(store.new_build_dir(index_dir))
        manifest = write_build(prepared, writer, encoder, settings, corpus_dir, started)
        # The writer hashed the files as they lie on disk, so reading them back again here would
        # only repeat that I/O; Searcher.load verifies them against these checksums.
        stage("publishing")
        store.publish(index_dir, writer.build)
        logger.info("published %s", writer.build)
        return BuildSummary(
            index_dir,
            time.perf_counter() - started,
            manifest.counts,
            prepared.skipped,
            manifest.vector_index.get("type", ""),
        )


def write_build(
    prepared: PreparedBuild,
    writer: BuildWriter,
    encoder: Encoder,
    settings: IndexSettings,
    corpus_dir: Path,
    started: float,
) -> Manifest:
    """Write a prepared build's files and, last, its manifest."""
    vector_index = build_vector_index(prepared.vectors)
    vector_index.save(writer.path(VECTOR_INDEX_STEM + vector_index.suffix))
    writer.chunk_vectors(prepared.vectors, [e.sentences for e in prepared.embedded])
    writer.chunk_vectors(prepared.merged_vectors, [e.sentences for _, e in prepared.merged_away], merged=True)
    writer.reusables([h for h, _ in prepared.merged_away], prepared.plans, prepared.minhash_keys, prepared.minhashes)
    build_keyword_index(
        [c.embed_text for c in prepared.chunks],
        writer.path(KEYWORD_DIR),
        settings.bm25_k1,
        settings.bm25_b,
        settings.keyword_stopwords,
    )
    rows = (
        ChunkRow(c.passage_id, c.span, h, tuple(sentence_spans(c.text)), c.citations)
        for c, h in zip(prepared.chunks, prepared.hashes)
    )
    passages = prepared.deduped.passages
    writer.rows(passages, rows)
    writer.documents(prepared.documents)
    # Lookups the searcher would otherwise rebuild by parsing every row at load.
    writer.lookups([c.passage_id for c in prepared.chunks], (p.citations for p in passages))
    question_encoder = encoder.record(writer.path(TOKENIZER))
    counts = _counts(prepared)
    writer.report(_report(prepared, counts))
    return writer.finish(
        Manifest(
            model=settings.model,
            dimension=encoder.dimension,
            encoder=encoder.kind,
            settings=settings,
            counts=counts,
            vector_index=vector_index.describe(),
            corpus_path=str(corpus_dir.resolve()),
            corpus_files=corpus_fingerprint(prepared.files, {d.source: d.sha256 for d in prepared.documents}),
            question_encoder=question_encoder,
            library=library_settings(corpus_dir, prepared.library, prepared.deduped.passages).to_json(),
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            build_seconds=round(time.perf_counter() - started, 2),
        )
    )


def _report(prepared: PreparedBuild, counts: BuildCounts) -> dict[str, Any]:
    """The build's report for people: files by format, files skipped, lines dropped, duplicate groups."""
    return {
        "files_by_format": counts.formats,
        "skipped": [vars(s) for s in prepared.skipped],
        "dropped": [vars(d) for doc in prepared.documents for d in doc.dropped],
        "duplicate_groups": [
            {"kind": g.kind, "text": g.text[:300], "citations": [c.to_json() for c in g.citations]}
            for g in prepared.deduped.groups
        ],
    }


def _counts(prepared: PreparedBuild) -> BuildCounts:
    return BuildCounts(
        files=len(prepared.documents),
        skipped_files=len(prepared.skipped),
        passages_read=prepared.passages_read,
        passages=len(prepared.deduped.passages),
        chunks=len(prepared.chunks),
        duplicates_merged=prepared.passages_read - len(prepared.deduped.passages),
        exact_groups=prepared.deduped.count("exact"),
        near_groups=prepared.deduped.count("near"),
        dropped_lines=sum(len(doc.dropped) for doc in prepared.documents),
        chunks_embedded=prepared.chunks_embedded,
        chunks_reused=prepared.chunks_reused,
        documents_reused=prepared.documents_reused,
        formats=files_by_format(prepared.documents, prepared.skipped),
    )


def files_by_format(documents: list[Document], skipped: list[SkippedFile]) -> dict[str, dict[str, int]]:
    """Files read and skipped, by format (suffix)."""
    counts: dict[str, dict[str, int]] = {}
    for sources, key in (([d.source for d in documents], "read"), ([s.source for s in skipped], "skipped")):
        for source in sources:
            counts.setdefault(format_of(source), {"read": 0, "skipped": 0})[key] += 1
    return counts
