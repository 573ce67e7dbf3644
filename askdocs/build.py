"""Ingest: the one place that joins the stages, from corpus folder to published index."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from askdocs import recorded, store
from askdocs.cache import Previous, embed_chunks, load_previous, save_embeddings, save_minhashes, save_plans
from askdocs.chunking import chunk_passages, cite, sentence_spans
from askdocs.dedup import DedupResult, DuplicateGroup, merge_exact, merge_near, minhash_signatures
from askdocs.embedding import Embedder, load_embedder
from askdocs.errors import AskdocsError, EmptyCorpusError
from askdocs.keyword import build_keyword_index
from askdocs.readers import CorpusFile, Document, SkippedFile, list_corpus, read_file
from askdocs.records import Chunk, Passage
from askdocs.settings import Settings
from askdocs.vectors import build_vector_index, passage_vectors, save_vector_index

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildSummary:
    """What an ingest did, for the closing summary."""

    index_dir: Path
    files_read: int
    skipped: list[SkippedFile]
    passages: int
    chunks: int
    exact_groups: int
    near_groups: int
    duplicates_merged: int
    dropped_lines: int
    embedded: int
    reused: int
    seconds: float
    up_to_date: bool = False
    faiss: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        if self.up_to_date:
            return [f"index at {self.index_dir} is up to date with the corpus; nothing to do ({self.seconds:.1f} s)"]
        out = [
            f"files read: {self.files_read}, skipped: {len(self.skipped)}",
            f"passages: {self.passages} ({self.duplicates_merged} duplicates merged: "
            f"{self.exact_groups} exact groups, {self.near_groups} near groups), chunks: {self.chunks}",
            f"lines dropped as boilerplate: {self.dropped_lines} (listed in report.json)",
            f"chunks embedded: {self.embedded}, reused from the previous index: {self.reused}",
            f"index: {self.faiss.get('type')} at {self.index_dir}, {self.seconds:.1f} s",
        ]
        out += [f"  skipped {s.source}: {s.reason}" for s in self.skipped]
        return out


def corpus_fingerprint(files: list[CorpusFile], digests: dict[str, str]) -> dict[str, dict[str, Any]]:
    """What the index was built from, to tell later whether the corpus changed."""
    return {f.source: {"size": f.size, "mtime_ns": f.mtime_ns, "sha256": digests.get(f.source)} for f in files}


def changed_files(corpus_dir: Path, manifest: dict[str, Any]) -> list[str]:
    """Corpus files added, removed or edited since the index was built."""
    files, _ = list_corpus(corpus_dir)
    recorded: dict[str, dict[str, Any]] = manifest.get("corpus", {}).get("files", {})
    changed = sorted(set(recorded) - {f.source for f in files})
    for f in files:
        before = recorded.get(f.source)
        if (
            before is None
            or before["size"] != f.size
            or (before["mtime_ns"] != f.mtime_ns and before.get("sha256") != store.file_sha256(f.path))
        ):
            changed.append(f.source)
    return changed


def _live(index_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    """The live build and its manifest, checked against its checksums; None when there is none intact.

    Verified, so that a damaged index is rebuilt rather than reported as up to date or reused.
    """
    try:
        build = store.live_build(index_dir)
        return build, store.read_manifest(build, index_dir)
    except AskdocsError:
        return None


def _is_current(corpus_dir: Path, manifest: dict[str, Any], settings: Settings) -> bool:
    """True when the build of this manifest was made from this corpus with these settings."""
    # An int8 build from before the question encoder was recorded is rebuilt once (its embeddings
    # are reused), so that searching it no longer needs PyTorch.
    has_record = manifest.get("encoder") != "int8" or "question_encoder" in manifest
    return has_record and manifest.get("settings") == settings.to_json() and not changed_files(corpus_dir, manifest)


def is_up_to_date(corpus_dir: Path, index_dir: Path, settings: Settings) -> bool:
    """True when the live index is intact and was built from this corpus with these settings."""
    live = _live(index_dir)
    return live is not None and _is_current(corpus_dir, live[1], settings)


def _recorded_embedder(build: Path, manifest: dict[str, Any], settings: Settings) -> Embedder | None:
    """The live build's recorded int8 model and tokenizer, when they can embed this build's new chunks.

    They spare an edit's re-ingest loading sentence-transformers and PyTorch (README, Performance).
    """
    if settings.encoder != "int8" or manifest.get("settings", {}).get("model") != settings.model:
        return None
    return recorded.recorded_embedder(build, manifest, for_ingest=True)


def _merge_near_duplicates(
    passages: list[Passage], chunks: list[Chunk], vectors: np.ndarray, settings: Settings, signatures: np.ndarray
) -> tuple[list[Passage], list[Chunk], list[int], list[DuplicateGroup]]:
    """Merge near-duplicate passages, judged by the mean of their chunk vectors; keep the kept passages' chunks."""
    means = passage_vectors(vectors, np.asarray([c.passage_id for c in chunks], dtype=np.int64), len(passages))
    merged, kept, groups = merge_near(
        passages, means, settings.near_duplicate_jaccard, settings.near_duplicate_cosine, signatures
    )
    by_passage: dict[int, list[int]] = {}
    for i, chunk in enumerate(chunks):
        by_passage.setdefault(chunk.passage_id, []).append(i)
    new_chunks: list[Chunk] = []
    rows: list[int] = []
    for pid, (passage, old) in enumerate(zip(merged, kept)):
        for i in by_passage[old]:
            chunk = chunks[i]
            citations = cite(passage.citations, passage.line_starts, chunk.span)
            new_chunks.append(Chunk(pid, chunk.text, chunk.span, citations, chunk.embed_text))
            rows.append(i)
    return merged, new_chunks, rows, groups


def read_corpus(
    corpus_dir: Path, settings: Settings, progress: bool
) -> tuple[list[CorpusFile], list[Document], list[SkippedFile]]:
    """Read every corpus file; broken ones are skipped, never fatal."""
    from tqdm import tqdm

    if not corpus_dir.is_dir():
        raise EmptyCorpusError(f"the corpus folder {corpus_dir} does not exist; create it and put documents in it")
    files, skipped = list_corpus(corpus_dir)
    documents: list[Document] = []
    for file in tqdm(files, desc="reading", unit="file", disable=not progress):
        result = read_file(file, settings.max_file_bytes)
        if isinstance(result, SkippedFile):
            skipped.append(result)
        else:
            documents.append(result)
    return files, documents, skipped


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    settings: Settings | None = None,
    *,
    force: bool = False,
    progress: bool = False,
    embedder: Embedder | None = None,
) -> BuildSummary:
    """Build (or refresh) the index for a corpus folder; the old index stays live until the new one is complete."""
    started = time.perf_counter()
    settings = settings or Settings()
    corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
    with store.ingest_lock(index_dir):
        store.remove_stale_builds(index_dir)
        # Read and verified once: whether anything changed, and what the new build may reuse.
        live = _live(index_dir)
        if not force and live is not None and _is_current(corpus_dir, live[1], settings):
            return BuildSummary(
                index_dir, 0, [], 0, 0, 0, 0, 0, 0, 0, 0, time.perf_counter() - started, up_to_date=True
            )
        files, documents, skipped = read_corpus(corpus_dir, settings, progress)
        passages = [p for d in documents for p in d.passages]
        if not passages:
            reasons = "; ".join(f"{s.source}: {s.reason}" for s in skipped[:5]) or "it is empty"
            raise EmptyCorpusError(
                f"no indexable text in {corpus_dir} ({reasons}); the previous index, if any, is kept"
            )
        if embedder is None or (embedder.name, embedder.encoder) != (settings.model, settings.encoder):
            recorded_one = _recorded_embedder(*live, settings) if live is not None else None
            embedder = recorded_one or load_embedder(settings.model, settings.encoder)
        exact = merge_exact(passages)
        previous = load_previous(*live, settings) if live is not None else Previous({}, {}, {})
        chunk_tokens = min(settings.chunk_tokens, embedder.max_tokens)
        chunks, plans = chunk_passages(
            exact.passages,
            embedder.count_tokens,
            embedder.word_piece_offsets,
            chunk_tokens,
            settings.overlap_sentences,
            known=previous.plans,
        )
        items, hashes, embedded = embed_chunks(chunks, embedder, previous.embeddings, progress)
        reused = len(chunks) - embedded
        vectors = np.stack([e.vector for e in items]) if items else np.zeros((0, embedder.dimension), np.float32)
        texts = [p.text for p in exact.passages]
        signatures = minhash_signatures(texts, previous.minhashes)
        unique, chunks, rows, groups = _merge_near_duplicates(exact.passages, chunks, vectors, settings, signatures)
        # Chunks of passages merged away are kept in the cache, so they are not embedded again.
        merged_away = sorted(set(range(len(hashes))) - set(rows))
        items, vectors, hashes, merged_hashes, merged_items = (
            [items[i] for i in rows],
            vectors[rows],
            [hashes[i] for i in rows],
            [hashes[i] for i in merged_away],
            [items[i] for i in merged_away],
        )
        deduped = DedupResult(unique, exact.groups + groups)

        build = store.new_build_dir(index_dir)
        vector_index, faiss_info = build_vector_index(vectors)
        save_vector_index(vector_index, build / "vectors.faiss")
        save_embeddings(build, "", items, embedder.dimension)
        save_embeddings(build, "merged_", merged_items, embedder.dimension)
        store.write_json(build / "merged_hashes.json", merged_hashes)
        save_plans(build, plans)
        save_minhashes(build, texts, signatures)
        build_keyword_index(
            [c.embed_text for c in chunks],
            build / "bm25",
            settings.bm25_k1,
            settings.bm25_b,
            settings.keyword_stopwords,
        )
        store.write_jsonl(
            build / "passages.jsonl",
            (
                {"text": p.text, "title": p.title, "citations": [c.to_json() for c in p.citations]}
                for p in deduped.passages
            ),
        )
        store.write_jsonl(
            build / "chunks.jsonl",
            (
                {
                    "passage": c.passage_id,
                    "span": list(c.span),
                    "hash": h,
                    "sentences": [list(span) for span in sentence_spans(c.text)],
                    "citations": [x.to_json() for x in c.citations],
                }
                for c, h in zip(chunks, hashes)
            ),
        )
        # Lookups the searcher would otherwise rebuild by parsing every row at load.
        store.write_lookups(build, [c.passage_id for c in chunks], (p.citations for p in deduped.passages))
        question_encoder = recorded.describe(embedder, build)
        dropped = [d for doc in documents for d in doc.dropped]
        store.write_json(
            build / "report.json",
            {
                "skipped": [vars(s) for s in skipped],
                "dropped": [vars(d) for d in dropped],
                "duplicate_groups": [
                    {"kind": g.kind, "text": g.text[:300], "citations": [c.to_json() for c in g.citations]}
                    for g in deduped.groups
                ],
            },
        )
        merged = len(passages) - len(deduped.passages)
        seconds = time.perf_counter() - started
        counts = {
            "files": len(documents),
            "skipped_files": len(skipped),
            "passages_read": len(passages),
            "passages": len(deduped.passages),
            "chunks": len(chunks),
            "duplicates_merged": merged,
            "exact_groups": deduped.count("exact"),
            "near_groups": deduped.count("near"),
            "dropped_lines": len(dropped),
            "chunks_embedded": embedded,  # the rest came from the previous build
        }
        store.write_manifest(
            build,
            {
                "model": settings.model,
                "dimension": embedder.dimension,
                "encoder": embedder.encoder,
                "question_encoder": question_encoder,
                "settings": settings.to_json(),
                "counts": counts,
                "faiss": faiss_info,
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "build_seconds": round(seconds, 2),
                "corpus": {
                    "path": str(corpus_dir.resolve()),
                    "files": corpus_fingerprint(files, {d.source: d.sha256 for d in documents}),
                },
            },
        )
        # write_manifest hashed the files as they lie on disk, so reading them back again here
        # would only repeat that I/O; Searcher.load verifies them against these checksums.
        store.publish(index_dir, build)
        logger.info("published %s", build)
        return BuildSummary(
            index_dir,
            len(documents),
            skipped,
            len(deduped.passages),
            len(chunks),
            deduped.count("exact"),
            deduped.count("near"),
            merged,
            len(dropped),
            embedded,
            reused,
            time.perf_counter() - started,
            faiss=faiss_info,
        )
