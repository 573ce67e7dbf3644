"""The names of the index folder's and a build's files (see the package docstring)."""

from __future__ import annotations

FORMAT_VERSION = 2
# Bumped when a format parser changes what it reads from a file (passages, citations), so a build
# made by older parsers is read again (reusing its embeddings) instead of counting as up to date.
# 3: short notes kept (only repeated markers dropped), PDF line-end hyphens joined, accents composed.
# 4: every citation carries its document's date (metadata, else the file's modification time).
READERS_VERSION = 4
# The index folder's own names (index/publication.py).
CURRENT = "CURRENT"
LOCK = ".ingest.lock"
BUILD_PREFIX = "build-"
# A build's files.
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
DOCUMENTS = "documents.jsonl"
CHUNKS = "chunks.jsonl"
KEYWORD_DIR = "bm25"
VECTOR_INDEX_STEM = "vectors"
TOKENIZER = "tokenizer.json"
REPORT = "report.json"
PLANS = "chunk_plans.json"
MERGED_HASHES = "merged_hashes.json"
MINHASHES, MINHASH_KEYS = "minhashes.npy", "minhash_keys.npy"
CHUNK_PASSAGES, SOURCES, SOURCE_ORDER = "chunk_passages.npy", "sources.json", "source_order.npy"
EMBEDDINGS, SENTENCES, SENTENCE_OFFSETS = "embeddings.npy", "sentences.npy", "sentence_offsets.npy"
MERGED_PREFIX = "merged_"
