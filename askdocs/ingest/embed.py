"""A build's chunk embeddings: each chunk's vectors from the previous build's cache where its key is there, else encoded.

A chunk's key is the hash of (model, the exact text the model reads), so re-running ingest on an
unchanged corpus embeds nothing and editing a file re-embeds only its changed chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from askdocs.fileio import content_hash
from askdocs.ingest.chunking import sentences_in_embed_text
from askdocs.records import Chunk

# Texts and each text's sentence spans in, their unit vectors and each span's vector out.
EncodeWithSpans = Callable[[list[str], list[list[tuple[int, int]]]], tuple[np.ndarray, list[np.ndarray]]]


@dataclass(frozen=True)
class Embedded:
    """A chunk's unit vector and one unit vector per sentence, from the same forward pass."""

    vector: np.ndarray
    sentences: np.ndarray


def chunk_key(model: str, chunk: Chunk) -> str:
    """Cache key of a chunk's embedding (`model` names the encoder too, so int8 and fp32 never mix)."""
    return content_hash(f"{model}\n{chunk.embed_text}")


def embed_chunks(
    chunks: list[Chunk], cache_name: str, cache: dict[str, Embedded], encode: EncodeWithSpans
) -> tuple[list[Embedded], list[str], int]:
    """Embeddings for every chunk, from the cache where possible (else `encode`, an encoder named `cache_name`);
    returns them, their keys and how many were computed."""
    keys = [chunk_key(cache_name, c) for c in chunks]
    missing: dict[str, Chunk] = {k: c for k, c in zip(keys, chunks) if k not in cache}
    if missing:
        todo = list(missing.items())
        spans = [sentences_in_embed_text(c)[1] for _, c in todo]
        vectors, pooled = encode([c.embed_text for _, c in todo], spans)
        cache = {**cache, **{k: Embedded(v, p) for (k, _), v, p in zip(todo, vectors, pooled)}}
    embedded = sum(k in missing for k in keys)
    return [cache[k] for k in keys], keys, embedded
