"""Chunk embeddings (with their sentence vectors), chunk plans and MinHash signatures keyed by content hash, reused across builds.

A chunk's key is the hash of (model, the exact text the model reads), so re-running ingest on an
unchanged corpus embeds nothing and editing a file re-embeds only its changed chunks. A passage's
chunk plan is keyed by its title and text, and its MinHash signature by its text, so only new or
edited passages are tokenised and hashed again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from askdocs import store
from askdocs.chunking import ChunkPlan, sentences_in_embed_text
from askdocs.dedup import NUM_PERM, content_hash
from askdocs.embedding import Embedder
from askdocs.records import Chunk
from askdocs.settings import Settings

logger = logging.getLogger(__name__)
PLANS_FILE = "chunk_plans.json"


@dataclass(frozen=True)
class Embedded:
    """A chunk's unit vector and one unit vector per sentence, from the same forward pass."""

    vector: np.ndarray
    sentences: np.ndarray


def chunk_key(model: str, chunk: Chunk) -> str:
    """Cache key of a chunk's embedding (`model` names the encoder too, so int8 and fp32 never mix)."""
    return content_hash(f"{model}\n{chunk.embed_text}")


def save_embeddings(build: Path, prefix: str, items: list[Embedded], dimension: int) -> None:
    """Write `{prefix}embeddings.npy`, `{prefix}sentences.npy` (float16) and `{prefix}sentence_offsets.npy`."""
    vectors = np.stack([e.vector for e in items]) if items else np.zeros((0, dimension), np.float32)
    counts = [len(e.sentences) for e in items]
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    sentences = np.concatenate([e.sentences for e in items]) if items else np.zeros((0, dimension), np.float32)
    np.save(build / f"{prefix}embeddings.npy", vectors.astype(np.float32), allow_pickle=False)
    np.save(build / f"{prefix}sentences.npy", sentences.astype(np.float16), allow_pickle=False)
    np.save(build / f"{prefix}sentence_offsets.npy", offsets, allow_pickle=False)


def _load(build: Path, prefix: str, hashes: list[str]) -> dict[str, Embedded]:
    vectors = np.load(build / f"{prefix}embeddings.npy", mmap_mode="r", allow_pickle=False)
    sentences = np.load(build / f"{prefix}sentences.npy", mmap_mode="r", allow_pickle=False)
    offsets = np.load(build / f"{prefix}sentence_offsets.npy", allow_pickle=False)
    return {key: Embedded(vectors[i], sentences[offsets[i] : offsets[i + 1]]) for i, key in enumerate(hashes)}


@dataclass(frozen=True)
class Previous:
    """What the live build computed that the next build reuses: embeddings, chunk plans and MinHashes by content hash."""

    embeddings: dict[str, Embedded]
    plans: dict[str, ChunkPlan]
    # MinHash signatures by content hash of the passage text (near-duplicate detection).
    minhashes: dict[str, np.ndarray]


def save_plans(build: Path, plans: Mapping[str, ChunkPlan]) -> None:
    """Write every passage's chunk plan (by `plan_key`) to `chunk_plans.json`."""
    rows = {key: [plan.titled, [list(span) for span in plan.spans]] for key, plan in plans.items()}
    store.write_json(build / PLANS_FILE, rows)


def save_minhashes(build: Path, texts: Sequence[str], signatures: np.ndarray) -> None:
    """Write the passages' MinHash signatures (`minhashes.npy`) and their texts' content hashes (`minhash_keys.npy`)."""
    np.save(build / "minhashes.npy", signatures.astype(np.uint32), allow_pickle=False)
    np.save(build / "minhash_keys.npy", np.array([content_hash(t) for t in texts], dtype="S64"), allow_pickle=False)


def _load_minhashes(build: Path) -> dict[str, np.ndarray]:
    """The build's MinHash signatures by content hash; none for builds made before they were kept."""
    if not (build / "minhashes.npy").is_file():
        return {}
    signatures = np.load(build / "minhashes.npy", allow_pickle=False)
    keys = np.load(build / "minhash_keys.npy", allow_pickle=False)
    if signatures.shape != (len(keys), NUM_PERM):  # another NUM_PERM: compute them again
        return {}
    return {key.decode(): row for key, row in zip(keys.tolist(), signatures)}


def load_previous(build: Path, manifest: dict[str, Any], settings: Settings) -> Previous:
    """A verified build's embeddings (same model), chunk plans (same model and chunk settings) and MinHashes."""
    before = manifest.get("settings", {})
    if before.get("model") != settings.model:
        return Previous({}, {}, _load_minhashes(build))
    cache = _load(build, "", [row["hash"] for row in store.read_jsonl(build / "chunks.jsonl")])
    merged = json.loads((build / "merged_hashes.json").read_text(encoding="utf-8"))
    cache.update(_load(build, "merged_", merged))
    plans: dict[str, ChunkPlan] = {}
    same_chunking = all(before.get(key) == getattr(settings, key) for key in ("chunk_tokens", "overlap_sentences"))
    if same_chunking and (build / PLANS_FILE).is_file():  # builds made before plans were kept have none
        rows = json.loads((build / PLANS_FILE).read_text(encoding="utf-8"))
        plans = {key: ChunkPlan(tuple(tuple(span) for span in spans), titled) for key, (titled, spans) in rows.items()}
    return Previous(cache, plans, _load_minhashes(build))


def embed_chunks(
    chunks: list[Chunk], embedder: Embedder, cache: dict[str, Embedded], progress: bool
) -> tuple[list[Embedded], list[str], int]:
    """Embeddings for every chunk, from the cache where possible; returns them, their keys and how many were computed."""
    keys = [chunk_key(embedder.cache_name, c) for c in chunks]
    missing: dict[str, Chunk] = {k: c for k, c in zip(keys, chunks) if k not in cache}
    if missing:
        todo = list(missing.items())
        spans = [sentences_in_embed_text(c)[1] for _, c in todo]
        vectors, pooled = embedder.encode_with_spans([c.embed_text for _, c in todo], spans, progress=progress)
        cache = {**cache, **{k: Embedded(v, p) for (k, _), v, p in zip(todo, vectors, pooled)}}
    embedded = sum(k in missing for k in keys)
    return [cache[k] for k in keys], keys, embedded
