"""The build folder's format: its file names, its row records, the manifest, and how a build is written and opened.

This package alone spells a build's file names; every other module writes and reads a build
through `BuildWriter` and `BuildReader`. A build folder `INDEX/build-*/` holds only JSON, NumPy
arrays (never pickled) and the files FAISS and bm25s write in their own formats:

| file | what it holds |
| --- | --- |
| `manifest.json` | `Manifest`: format version, model, encoder, index settings, counts, corpus fingerprint, each file's SHA-256 |
| `passages.jsonl` | one `Passage.to_json()` row per passage, by passage id |
| `chunks.jsonl` | one `ChunkRow` per chunk, by chunk id; a passage's chunks are consecutive, in passage order |
| `embeddings.npy` | float32 unit vector of each chunk (row = chunk id) |
| `sentences.npy`, `sentence_offsets.npy` | float16 vector of each chunk's sentences; chunk i's are rows offsets[i]:offsets[i+1] |
| `vectors.*` | the vector index (`index/ann/`), e.g. `vectors.faiss` |
| `bm25/` | the keyword index, in bm25s's own folder format |
| `chunk_passages.npy`, `sources.json`, `source_order.npy` | `Lookups` |
| `merged_*` | embeddings of chunks of passages merged away as near-duplicates, kept for the next build |
| `chunk_plans.json`, `minhashes.npy`, `minhash_keys.npy` | chunk plans and MinHash signatures, reused by the next build |
| `documents.jsonl` | one `readers.Document.to_json()` row per file read (passages with their line starts, dropped lines), so the next build parses only new or changed files |
| `tokenizer.json` | the int8 encoder's tokenizer (int8 builds), so questions are encoded without PyTorch |
| `report.json` | files skipped, lines dropped and duplicate groups, for people |

The index folder around the builds (`CURRENT`, the lock) is `index/publication.py`'s.
"""

from __future__ import annotations

from askdocs.index.build_folder.files import BuildReader, BuildWriter
from askdocs.index.build_folder.names import (
    BUILD_PREFIX,
    CHUNK_PASSAGES,
    CHUNKS,
    CURRENT,
    DOCUMENTS,
    EMBEDDINGS,
    FORMAT_VERSION,
    KEYWORD_DIR,
    LOCK,
    MANIFEST,
    MERGED_HASHES,
    MERGED_PREFIX,
    MINHASH_KEYS,
    MINHASHES,
    PASSAGES,
    PLANS,
    READERS_VERSION,
    REPORT,
    SENTENCE_OFFSETS,
    SENTENCES,
    SOURCE_ORDER,
    SOURCES,
    TOKENIZER,
    VECTOR_INDEX_STEM,
)
from askdocs.index.build_folder.schema import (
    BuildCounts,
    ChunkRow,
    ChunkVectors,
    Lookups,
    Manifest,
    format_counts,
    reading_order,
)

__all__ = [
    "BUILD_PREFIX",
    "CHUNKS",
    "CHUNK_PASSAGES",
    "CURRENT",
    "DOCUMENTS",
    "EMBEDDINGS",
    "FORMAT_VERSION",
    "KEYWORD_DIR",
    "LOCK",
    "MANIFEST",
    "MERGED_HASHES",
    "MERGED_PREFIX",
    "MINHASHES",
    "MINHASH_KEYS",
    "PASSAGES",
    "PLANS",
    "READERS_VERSION",
    "REPORT",
    "SENTENCES",
    "SENTENCE_OFFSETS",
    "SOURCES",
    "SOURCE_ORDER",
    "TOKENIZER",
    "VECTOR_INDEX_STEM",
    "BuildCounts",
    "BuildReader",
    "BuildWriter",
    "ChunkRow",
    "ChunkVectors",
    "Lookups",
    "Manifest",
    "format_counts",
    "reading_order",
]
