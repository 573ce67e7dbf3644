"""The build folder's format: checksums, versions, the manifest and the stored rows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from askdocs import IndexCorruptError, IndexMismatchError, Searcher
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.index.ann import FlatIndex
from askdocs.index.build_folder import (
    CHUNK_PASSAGES,
    CHUNKS,
    EMBEDDINGS,
    FORMAT_VERSION,
    KEYWORD_DIR,
    MANIFEST,
    PASSAGES,
    SOURCE_ORDER,
    SOURCES,
    VECTOR_INDEX_STEM,
    BuildReader,
    ChunkRow,
    Manifest,
)
from askdocs.ingest.pipeline import build_index
from askdocs.records import Citation, Hit
from askdocs.settings import IndexSettings, RankingSettings
from tests.conftest import SEED_LIKE, edited_manifest

VECTORS_FILE = VECTOR_INDEX_STEM + FlatIndex.suffix  # a small index is flat
QUESTIONS = ["sciatica pain down the leg", "bone cement for fractures", "mattress for back pain"]


def live(index: Path) -> Path:
    return publication.live_build(index)


def answers(searcher: Searcher) -> list[Hit]:
    return [hit for question in QUESTIONS for hit in searcher.search(question, k=3)]


@pytest.mark.parametrize("name", [VECTORS_FILE, CHUNKS, PASSAGES, f"{KEYWORD_DIR}/vocab.index.json", EMBEDDINGS])
def test_truncated_file_is_refused(make_index: Callable[..., Path], name: str) -> None:
    index = make_index(SEED_LIKE)
    path = live(index) / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match=r"damaged.*python ingest.py --index"):
        Searcher.load(index)


def test_altered_byte_is_refused(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    path = live(index) / PASSAGES
    data = bytearray(path.read_bytes())
    data[10] = ord("X") if data[10] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        Searcher.load(index)


def test_missing_file_is_refused(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    (live(index) / VECTORS_FILE).unlink()
    with pytest.raises(IndexCorruptError, match=rf"{re.escape(VECTORS_FILE)} is missing.*python ingest.py"):
        Searcher.load(index)


def test_chunks_out_of_passage_order_are_refused(make_index: Callable[..., Path]) -> None:
    # Passage scores read each passage's chunks as one run of rows, so the order is part of the format.
    index = make_index(SEED_LIKE)
    path = live(index) / CHUNK_PASSAGES
    np.save(path, np.load(path)[::-1].copy())
    with pytest.raises(IndexCorruptError, match=r"inconsistent.*python ingest.py"):
        Searcher.load(index, verify=False)


def test_index_from_another_version_names_the_rebuild_command(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    with edited_manifest(index) as manifest:
        del manifest["settings"]["chunk_tokens"]  # settings written by another version
    with pytest.raises(IndexMismatchError, match=rf"another version.*python ingest.py --index {re.escape(str(index))}"):
        Searcher.load(index, verify=False)


def test_index_from_another_version_names_the_setting_that_differs(make_index: Callable[..., Path]) -> None:
    # The previous version's message named the settings that differ, as IndexSettings.from_json does.
    index = make_index(SEED_LIKE)
    with edited_manifest(index) as manifest:
        del manifest["settings"]["chunk_tokens"]
        manifest["settings"]["shingle_size"] = 3
    with pytest.raises(IndexMismatchError, match=r"another version.*chunk_tokens.*shingle_size.*python ingest.py"):
        Searcher.load(index, verify=False)


def test_other_format_version_is_refused(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    with edited_manifest(index) as manifest:
        manifest["format_version"] = 999
    with pytest.raises(IndexMismatchError, match=r"format version 999.*python ingest.py"):
        Searcher.load(index)


def test_unreadable_manifest_is_refused(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    (live(index) / MANIFEST).write_text("{not json")
    with pytest.raises(IndexCorruptError, match="manifest"):
        Searcher.load(index)


def test_nothing_is_unpickled(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    files = [p for p in live(index).rglob("*") if p.is_file()]
    for path in files:
        assert path.suffix in {".json", ".jsonl", ".npy", ".faiss"}, path
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises if the array needed pickle


def test_index_without_stored_lookups_answers_the_same(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    before = Searcher.load(index)
    expected = [(hit, before.context(hit)) for hit in answers(before)]
    # An index built before the lookups were stored: the searcher works them out from the rows.
    build = live(index)
    assert BuildReader(build).lookups() is not None
    with edited_manifest(index) as manifest:
        for name in (CHUNK_PASSAGES, SOURCES, SOURCE_ORDER):
            (build / name).unlink()
            del manifest["files"][name]
    assert BuildReader(build).lookups() is None
    after = Searcher.load(index)
    assert after.sources() == before.sources() == ["back.txt", "hips.txt"]
    assert [(hit, after.context(hit)) for hit in answers(after)] == expected


def test_manifest_round_trips_through_json(seed_like_index: Path) -> None:
    reader = BuildReader(live(seed_like_index))
    manifest = reader.manifest(seed_like_index)
    assert manifest.format_version == FORMAT_VERSION and manifest.settings == IndexSettings()
    assert manifest.counts.chunks == 5 and manifest.vector_index["type"] == FlatIndex.kind and manifest.files
    assert Manifest.from_json(manifest.to_json()) == manifest
    # What was written is exactly what `to_json` gives.
    assert json.loads((reader.build / MANIFEST).read_text(encoding="utf-8")) == manifest.to_json()


def test_manifest_of_the_previous_version_still_loads_and_is_up_to_date(
    make_index: Callable[..., Path], encoder: Encoder
) -> None:
    index = make_index(SEED_LIKE)
    expected = answers(Searcher.load(index))
    build = live(index)
    # The previous version called the vector index "faiss" and saved the ranking settings with the index's.
    with edited_manifest(index) as manifest:
        manifest["faiss"] = manifest.pop("vector_index")
        manifest["settings"].update(asdict(RankingSettings(keyword_weight=0.9, rerank_depth=3)))
    searcher = Searcher.load(index)
    assert searcher.manifest.vector_index["type"] == FlatIndex.kind
    assert searcher.index_settings == IndexSettings() and searcher.ranking == RankingSettings()
    assert answers(searcher) == expected
    summary = build_index(index.parent / "index-corpus", index, IndexSettings(), encoder=encoder)
    assert summary.up_to_date and live(index) == build


def test_chunk_rows_round_trip_and_are_stored_as_to_json_gives(seed_like_index: Path) -> None:
    reader = BuildReader(live(seed_like_index))
    rows = list(reader.chunks())
    stored = [json.loads(line) for line in (reader.build / CHUNKS).read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len(stored) == 5
    assert [json.loads(json.dumps(row.to_json())) for row in rows] == stored
    made = ChunkRow(
        3,
        (10, 52),
        "ab" * 32,
        ((0, 20), (21, 42)),
        (
            Citation("notes.txt", line=7, span=(10, 52)),
            Citation("records.jsonl", doc_id="doc-1", title="Gout", url="https://example.org/g"),
            Citation("guide.pdf", page=2),
        ),
    )
    for row in [*rows, made]:
        assert ChunkRow.from_json(json.loads(json.dumps(row.to_json()))) == row
