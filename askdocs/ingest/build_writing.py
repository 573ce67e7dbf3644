"""Ingest's second phase: a `PreparedBuild` written as a build folder, its manifest last.

`write_build` writes one build folder (build_folder's format); `sharding.write_sharded_build` writes a
sharded build (index/shards.py) by calling it once per shard, each keeping its words as counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from askdocs.encoders import Encoder
from askdocs.index.ann import build_vector_index
from askdocs.index.bm25 import index_words
from askdocs.index.build_folder import KEYWORD_DIR, TOKENIZER, VECTOR_INDEX_STEM, BuildWriter, ChunkRow, Manifest
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.index.keyword_counts import save_counts
from askdocs.ingest.chunking import sentence_spans
from askdocs.ingest.corpus import corpus_fingerprint
from askdocs.ingest.prepare import PreparedBuild
from askdocs.ingest.summary import build_counts, build_report
from askdocs.languages import keyword_languages
from askdocs.library_settings import library_settings
from askdocs.settings import IndexSettings


@dataclass(frozen=True)
class ModelFacts:
    """What a shard's manifest says of the model (the build's own manifest records the encoder itself),
    so that a shard can be written by a worker the encoder is not shipped to."""

    name: str
    dimension: int
    kind: str

    def record(self, tokenizer_path: Path) -> None:
        """A shard keeps no question encoder of its own."""
        return None


@dataclass(frozen=True)
class KeywordInput:
    """The chunks' keyword words and how they were read; a shard keeps them as counts (keyword_counts.py)."""

    analysis: KeywordAnalysis
    words: list[list[str]]
    shard: bool = False


def keyword_analysis(prepared: PreparedBuild, settings: IndexSettings) -> KeywordAnalysis:
    """How the build reads keyword words: the corpus's languages' rules."""
    return KeywordAnalysis(tuple(keyword_languages(prepared.languages)), settings.keyword_stopwords)


def chunk_words(prepared: PreparedBuild, analysis: KeywordAnalysis) -> list[list[str]]:
    """Every chunk's words, each read by its document's language's rules."""
    return analysis.passage_words([c.embed_text for c in prepared.chunks], _chunk_languages(prepared))


def keyword_input(prepared: PreparedBuild, settings: IndexSettings) -> KeywordInput:
    """Every chunk's words and how they were read."""
    analysis = keyword_analysis(prepared, settings)
    return KeywordInput(analysis, chunk_words(prepared, analysis))


def _chunk_languages(prepared: PreparedBuild) -> list[str]:
    """Each chunk's language: its document's (a merged passage's first source's)."""
    by_source = {d.source: d.language for d in prepared.documents}
    passages = prepared.deduped.passages
    return [by_source.get(passages[c.passage_id].citations[0].source, "") for c in prepared.chunks]


def write_build(
    prepared: PreparedBuild,
    writer: BuildWriter,
    encoder: Encoder | ModelFacts,
    settings: IndexSettings,
    corpus_dir: Path,
    started: float,
    keywords: KeywordInput | None = None,
    shards: list[str] | None = None,
) -> Manifest:
    """Write a prepared build's files and, last, its manifest (`keywords`: the chunks' words, when
    worked out already; `shards`: the shard folders already written below it, for a sharded build)."""
    question_encoder = encoder.record(writer.path(TOKENIZER))
    counts = build_counts(prepared)
    writer.report(build_report(prepared, counts))
    if shards:
        described = {"type": "sharded", "shards": len(shards)}
        return writer.finish(
            _manifest(prepared, encoder, settings, corpus_dir, started, counts, described, question_encoder, shards)
        )
    vector_index = build_vector_index(prepared.vectors)
    vector_index.save(writer.path(VECTOR_INDEX_STEM + vector_index.suffix))
    writer.chunk_vectors(prepared.vectors, [e.sentences for e in prepared.embedded])
    writer.chunk_vectors(prepared.merged_vectors, [e.sentences for _, e in prepared.merged_away], merged=True)
    writer.reusables([h for h, _ in prepared.merged_away], prepared.plans, prepared.minhash_keys, prepared.minhashes)
    keywords = keywords or keyword_input(prepared, settings)
    if keywords.shard:
        save_counts(keywords.words, writer.path(KEYWORD_DIR), keywords.analysis)
    else:
        index_words(keywords.words, writer.path(KEYWORD_DIR), settings.bm25_k1, settings.bm25_b, keywords.analysis)
    rows = (
        ChunkRow(c.passage_id, c.span, h, tuple(sentence_spans(c.text)), c.citations)
        for c, h in zip(prepared.chunks, prepared.hashes)
    )
    passages = prepared.deduped.passages
    writer.rows(passages, rows)
    writer.documents(prepared.documents)
    # Lookups the searcher would otherwise rebuild by parsing every row at load.
    writer.lookups([c.passage_id for c in prepared.chunks], (p.citations for p in passages))
    described = vector_index.describe()
    return writer.finish(
        _manifest(prepared, encoder, settings, corpus_dir, started, counts, described, question_encoder)
    )


def _manifest(
    prepared: PreparedBuild,
    encoder: Encoder | ModelFacts,
    settings: IndexSettings,
    corpus_dir: Path,
    started: float,
    counts: object,
    vector_index: dict[str, object],
    question_encoder: dict[str, object] | None,
    shards: list[str] | None = None,
) -> Manifest:
    """The build's manifest (before `BuildWriter.finish` adds the files' checksums)."""
    return Manifest(
        model=encoder.name,
        dimension=encoder.dimension,
        encoder=encoder.kind,
        settings=settings,
        counts=counts,  # type: ignore[arg-type]
        vector_index=vector_index,
        corpus_path=str(corpus_dir.resolve()),
        corpus_files=corpus_fingerprint(prepared.files, {d.source: d.sha256 for d in prepared.documents}),
        question_encoder=question_encoder,
        # A shard's manifest leaves them to the build's (example questions from 500k chunks took 8 s a shard).
        library={}
        if isinstance(encoder, ModelFacts)
        else library_settings(corpus_dir, prepared.library, prepared.deduped.passages).to_json(),
        languages=prepared.languages,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 2),
        shards=shards or [],
    )
