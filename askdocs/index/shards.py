"""A sharded build: one build folder holding N shard folders, each a normal build folder.

    build-.../
      manifest.json      the build's `Manifest`, with `shards` naming the shard folders in order, the
                         corpus-wide counts, settings, model, languages and question encoder; its
                         `files` cover every file below it (the shards' manifests excepted)
      tokenizer.json     the question encoder's tokenizer (int8 builds)
      shard-00/ ...      each a complete build folder (build_folder's format), its own manifest, vectors,
                         rows and keyword index; the keyword index holds word counts
                         (`keyword_counts.py`), scored at question time with every shard's statistics
      (each shard folder also holds `shard_key.txt`, what it was made from, so an ingest can link it unchanged)

A passage lives in the shard of its first citation's file: `shard_of(source, N)`, a stable hash of
the file's name, so a file stays in its shard across ingests. Chunk and passage ids are a shard's
own; `ShardedIndex` numbers them after the shards before them. The whole build is published by the
same `CURRENT` swap as any build, so every shard becomes live at once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from askdocs.index.build_folder import BuildReader, Manifest

SHARD_PREFIX = "shard-"


def shard_of(source: str, shards: int) -> int:
    """The shard a corpus file's passages live in: a stable hash of its name (not Python's salted hash())."""
    return int.from_bytes(hashlib.sha256(source.encode("utf-8")).digest()[:8], "big") % shards


def shard_name(number: int) -> str:
    """The folder of shard `number`: shard-00, shard-01, ..."""
    return f"{SHARD_PREFIX}{number:02d}"


def shard_names(shards: int) -> list[str]:
    """The shard folders' names, in order."""
    return [shard_name(number) for number in range(shards)]


def open_shards(reader: BuildReader, manifest: Manifest, index_dir: Path) -> list[tuple[BuildReader, Manifest]]:
    """Each shard's reader and manifest (already verified: the build's manifest covers their files)."""
    opened = []
    for name in manifest.shards:
        shard = BuildReader(reader.path(name))
        opened.append((shard, shard.manifest(index_dir, verify=False)))
    return opened
