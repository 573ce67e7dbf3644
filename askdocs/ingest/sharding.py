"""A prepared build written as a sharded build (index/shards.py): each passage in its file's shard.

What is corpus-wide was done before, on the whole corpus: exact and near-duplicate merging (so a
passage found in files of two shards is stored once, in its first citation's shard, citing both).
Each shard keeps its words as counts (keyword_counts.py), scored at question time with the summed
statistics of all shards, so that its BM25 scores are the unsharded index's. Each shard is then an
ordinary build folder (`build_writing.write_build`); the things the next ingest reuses whole (chunk plans, MinHashes, merged-away vectors, the report's duplicate groups)
go to the first shard.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from askdocs.encoders import Encoder
from askdocs.index.build_folder import BuildWriter, Manifest
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.index.shards import shard_names, shard_of
from askdocs.ingest.build_writing import KeywordInput, ModelFacts, chunk_words, keyword_analysis, write_build
from askdocs.ingest.exact_duplicates import DedupResult
from askdocs.ingest.executor import Executor, LocalExecutor
from askdocs.ingest.prepare import PreparedBuild
from askdocs.settings import IndexSettings

logger = logging.getLogger(__name__)
# In each shard folder: what its content was made from (`_shard_key`), to link it into the next build.
SHARD_KEY = "shard_key.txt"


def shard_parts(prepared: PreparedBuild, count: int) -> list[tuple[PreparedBuild, list[int]]]:
    """Each shard's part of the build, with the (whole build's) chunk numbers it holds."""
    passages = prepared.deduped.passages
    owner = np.asarray([shard_of(p.citations[0].source, count) for p in passages], dtype=np.int64)
    chunk_owner = owner[[c.passage_id for c in prepared.chunks]] if prepared.chunks else np.zeros(0, np.int64)
    parts = []
    for number in range(count):
        kept = np.flatnonzero(owner == number)
        local = {int(pid): i for i, pid in enumerate(kept)}
        rows = np.flatnonzero(chunk_owner == number).tolist()
        first = number == 0
        part = replace(
            prepared,
            files=[f for f in prepared.files if shard_of(f.source, count) == number],
            documents=[d for d in prepared.documents if shard_of(d.source, count) == number],
            skipped=prepared.skipped if first else [],
            deduped=DedupResult([passages[int(p)] for p in kept], prepared.deduped.groups if first else []),
            chunks=[replace(prepared.chunks[i], passage_id=local[prepared.chunks[i].passage_id]) for i in rows],
            embedded=[prepared.embedded[i] for i in rows],
            vectors=prepared.vectors[rows],
            hashes=[prepared.hashes[i] for i in rows],
            merged_away=prepared.merged_away if first else [],
            merged_vectors=prepared.merged_vectors if first else prepared.merged_vectors[:0],
            plans=prepared.plans if first else {},
            minhash_keys=prepared.minhash_keys if first else [],
            minhashes=prepared.minhashes if first else prepared.minhashes[:0],
        )
        parts.append((part, rows))
    return parts


@dataclass(frozen=True)
class ShardJob:
    """One shard to write: its part of the build and everything `write_build` needs, picklable for a worker."""

    part: PreparedBuild
    analysis: KeywordAnalysis  # the corpus's (its languages): every shard reads words alike
    target: Path
    model: ModelFacts
    settings: IndexSettings
    corpus_dir: Path
    started: float
    key: str


def write_shard(job: ShardJob) -> None:
    """Write one shard folder (on whichever worker runs it) and its key, last."""
    shard = BuildWriter(job.target)
    shard.build.mkdir()
    # The shard's words are read here, on the worker: tokenising every chunk was the keyword build's cost.
    words = KeywordInput(job.analysis, chunk_words(job.part, job.analysis), shard=True)
    write_build(job.part, shard, job.model, job.settings, job.corpus_dir, job.started, keywords=words)
    (shard.build / SHARD_KEY).write_text(job.key, encoding="utf-8")


def write_sharded_build(
    prepared: PreparedBuild,
    writer: BuildWriter,
    encoder: Encoder,
    settings: IndexSettings,
    corpus_dir: Path,
    started: float,
    live: Path | None = None,
    executor: Executor | None = None,
) -> Manifest:
    """Write up to `settings.shards` shard folders below the build (one with no passage is left out),
    then the build's own manifest, last. A shard whose content is the same as in the `live` build
    (its key: its files' checksums, passages, chunk hashes, model and settings) is linked from there,
    not written again: an edit rewrites only the shards holding what changed. The others are written
    by `executor.each`: side by side on Ray workers, each shard's vector and keyword index built there."""
    analysis = keyword_analysis(prepared, settings)
    model = ModelFacts(encoder.name, encoder.dimension, encoder.kind)
    written, jobs = [], []
    for name, (part, rows) in zip(shard_names(settings.shards), shard_parts(prepared, settings.shards)):
        if not rows:  # no file hashed to it (a small library): no folder, not in the manifest
            continue
        key = _shard_key(part, encoder, settings)
        written.append(name)
        if live is not None and _linked(live / name, writer.path(name), key):
            logger.info("%s unchanged: linked from the live build", name)
            continue
        jobs.append(ShardJob(part, analysis, writer.path(name), model, settings, corpus_dir, started, key))
    (executor or LocalExecutor()).each(write_shard, jobs)
    return write_build(prepared, writer, encoder, settings, corpus_dir, started, shards=written)


def _shard_key(part: PreparedBuild, encoder: Encoder, settings: IndexSettings) -> str:
    """What a shard's files are made from: its files' checksums, passages, chunk keys, model and settings."""
    digest = hashlib.sha256()
    for piece in (
        [encoder.cache_name, settings.to_json()],
        [[d.source, d.sha256] for d in part.documents],
        [p.to_json() for p in part.deduped.passages],
        part.hashes,
        [[c.passage_id, list(c.span)] for c in part.chunks],
    ):
        digest.update(json.dumps(piece, sort_keys=True).encode("utf-8"))
    return digest.hexdigest()


def _linked(old: Path, new: Path, key: str) -> bool:
    """Link the live build's shard folder `old` into `new` when its key is `key` (builds never change once
    published, so sharing their files is safe); False when it differs or cannot be linked."""
    try:
        if (old / SHARD_KEY).read_text(encoding="utf-8") != key:
            return False
        shutil.copytree(old, new, copy_function=os.link)
    except OSError:
        shutil.rmtree(new, ignore_errors=True)
        return False
    return True
