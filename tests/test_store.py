"""Index storage: validated loading, atomic rebuilds, the ingest lock, crash safety."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from askdocs import IndexCorruptError, IndexMismatchError, IndexMissingError, IngestLockedError, Searcher, store
from askdocs.build import build_index
from askdocs.settings import Settings
from tests.conftest import ROOT, SEED_LIKE, write_corpus


def live(index: Path) -> Path:
    return store.live_build(index)


def test_missing_index_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match=r"python ingest.py --index"):
        Searcher.load(tmp_path / "nothing")


@pytest.mark.parametrize(
    "name", ["vectors.faiss", "chunks.jsonl", "passages.jsonl", "bm25/vocab.index.json", "embeddings.npy"]
)
def test_truncated_file_is_refused(make_index, name: str) -> None:
    index = make_index(SEED_LIKE)
    path = live(index) / name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(IndexCorruptError, match=r"damaged.*python ingest.py --index"):
        Searcher.load(index)


def test_altered_byte_is_refused(make_index) -> None:
    index = make_index(SEED_LIKE)
    path = live(index) / "passages.jsonl"
    data = bytearray(path.read_bytes())
    data[10] = ord("X") if data[10] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match="checksum"):
        Searcher.load(index)


def test_missing_file_is_refused(make_index) -> None:
    index = make_index(SEED_LIKE)
    (live(index) / "vectors.faiss").unlink()
    with pytest.raises(IndexCorruptError, match=r"vectors.faiss is missing.*python ingest.py"):
        Searcher.load(index)


def test_chunks_out_of_passage_order_are_refused(make_index) -> None:
    # Passage scores read each passage's chunks as one run of rows, so the order is part of the format.
    index = make_index(SEED_LIKE)
    path = live(index) / "chunk_passages.npy"
    np.save(path, np.load(path)[::-1].copy())
    with pytest.raises(IndexCorruptError, match=r"inconsistent.*python ingest.py"):
        Searcher.load(index, verify=False)


def test_index_from_another_version_names_the_rebuild_command(make_index) -> None:
    index = make_index(SEED_LIKE)
    manifest_path = live(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["settings"]["passage_weight"]
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(
        IndexMismatchError, match=rf"another version.*passage_weight.*python ingest.py --index {re.escape(str(index))}"
    ):
        Searcher.load(index, verify=False)


def test_other_format_version_is_refused(make_index) -> None:
    index = make_index(SEED_LIKE)
    manifest_path = live(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match=r"format version 999.*python ingest.py"):
        Searcher.load(index)


def test_unreadable_manifest_is_refused(make_index) -> None:
    index = make_index(SEED_LIKE)
    (live(index) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexCorruptError, match="manifest"):
        Searcher.load(index)


def test_other_model_is_refused(make_index) -> None:
    index = make_index(SEED_LIKE)
    with pytest.raises(IndexMismatchError, match=r"built with the model 'all-MiniLM-L6-v2'.*--model other-model"):
        Searcher.load(index, model="other-model")


def test_nothing_is_unpickled(make_index) -> None:
    index = make_index(SEED_LIKE)
    files = [p for p in live(index).rglob("*") if p.is_file()]
    for path in files:
        assert path.suffix in {".json", ".jsonl", ".npy", ".faiss"}, path
        if path.suffix == ".npy":
            np.load(path, allow_pickle=False)  # raises if the array needed pickle


def test_rebuild_swaps_atomically_and_cleans_old_builds(make_index, tmp_path: Path, embedder) -> None:
    index = make_index(SEED_LIKE)
    first = live(index)
    stale = index / "build-stale-from-a-killed-run"
    stale.mkdir()
    corpus = write_corpus(
        tmp_path / "index-corpus", {"extra.txt": "Gout is arthritis caused by uric acid crystals in the joints."}
    )
    build_index(corpus, index, Settings(), embedder=embedder)
    assert live(index) != first
    assert not first.exists()
    assert not stale.exists()
    assert [p.name for p in index.glob("build-*")] == [live(index).name]


def test_unchanged_corpus_is_not_rebuilt(make_index, tmp_path: Path, embedder) -> None:
    index = make_index(SEED_LIKE)
    before = live(index)
    summary = build_index(tmp_path / "index-corpus", index, Settings(), embedder=embedder)
    assert summary.up_to_date
    assert live(index) == before


def test_second_ingest_is_locked_out(make_index, tmp_path: Path) -> None:
    index = make_index(SEED_LIKE)
    with store.ingest_lock(index), pytest.raises(IngestLockedError, match="another ingest"):
        build_index(tmp_path / "index-corpus", index, Settings(), force=True)


WORDS = (
    "spine disc nerve hip knee muscle tendon ligament joint bone cartilage pain ache stiffness swelling "
    "exercise stretch rest ice heat posture sitting standing walking running lifting bending twisting "
    "doctor therapist surgeon injection tablet cream brace pillow mattress chair desk car sport "
    "morning evening night week month year gentle sharp dull burning tingling numb weak strong"
).split()


def random_paragraphs(seed: int, count: int) -> str:
    """Distinct paragraphs of 60 words (no near-duplicates between them)."""
    rng = random.Random(seed)
    return "\n".join(" ".join(rng.choice(WORDS) for _ in range(60)) + "." for _ in range(count)) + "\n"


def _ingest(corpus: Path, index: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "ingest.py"), "--corpus", str(corpus), "--index", str(index), "--quiet", *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answers(index: Path) -> list[tuple[str, float]]:
    searcher = Searcher.load(index)
    return [
        (h.text, round(h.score, 5)) for q in ("sciatica", "hip bursitis", "mattress") for h in searcher.search(q, k=3)
    ]


@pytest.mark.parametrize("moment", ["while embedding", "while writing the new build"])
def test_sigkill_during_rebuild_leaves_the_old_index_answering(make_index, tmp_path: Path, moment: str) -> None:
    index = make_index(SEED_LIKE)
    before = _answers(index)
    old_build = live(index)
    # 2,000 new chunks: the ingest starts embedding within about 2 s (it loads no PyTorch) and
    # embeds for about 9 s more.
    bigger = {f"part{i}.txt": random_paragraphs(i, 5) for i in range(400)}
    corpus = write_corpus(tmp_path / "bigger", {**SEED_LIKE, **bigger})
    process = _ingest(corpus, index, "--force")
    deadline = time.monotonic() + 240
    if moment == "while embedding":
        time.sleep(4)
    else:
        while not [p for p in index.glob("build-*") if p != old_build] and time.monotonic() < deadline:
            time.sleep(0.005)
    assert process.poll() is None, process.communicate()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert live(index) == old_build
    assert _answers(index) == before
    # The next ingest cleans what the killed one left and succeeds.
    process = _ingest(corpus, index)
    assert process.wait(timeout=600) == 0, process.communicate()
    assert [p.name for p in index.glob("build-*")] == [live(index).name]


def test_two_concurrent_ingests_exactly_one_writes(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    index = tmp_path / "index"
    first, second = _ingest(corpus, index), _ingest(corpus, index)
    outputs = [(p.wait(timeout=600), p.communicate()) for p in (first, second)]
    codes = sorted(code for code, _ in outputs)
    assert codes == [0, 2], outputs
    loser = next(out for code, out in outputs if code == 2)
    assert "another ingest is writing" in loser[1]
    assert Searcher.load(index).search("sciatica", k=1)[0].text.startswith("Sciatica")


def test_passage_vectors_are_unit_means_of_their_chunks_in_any_order() -> None:
    from askdocs.vectors import passage_vectors

    chunks = np.array([[3.0, 0.0], [0.0, 2.0], [1.0, 3.0], [0.0, 5.0]], dtype=np.float32)
    owners = np.array([2, 0, 2, 0])
    vectors = passage_vectors(chunks, owners, passages=3)
    np.testing.assert_allclose(vectors, [[0.0, 1.0], [0.0, 0.0], [0.8, 0.6]], atol=1e-6)
    assert passage_vectors(chunks[:0], owners[:0], passages=2).shape == (2, 2)


def test_large_corpora_get_an_ivf_index_with_high_recall() -> None:
    import faiss

    from askdocs.vectors import build_vector_index, search_vectors

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(200, 64)).astype(np.float32)
    vectors = centres[rng.integers(0, 200, 20_000)] + 0.3 * rng.normal(size=(20_000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index, info = build_vector_index(vectors, ivf_threshold=10_000)
    assert info["type"] == "IndexIVFScalarQuantizer" and info["nprobe"] > 0
    exact = faiss.IndexFlatIP(64)
    exact.add(vectors)
    recall = 0.0
    for query in vectors[:50]:
        found, _ = search_vectors(index, query, 10)
        truth, _ = search_vectors(exact, query, 10)
        recall += len(set(found) & set(truth)) / 10
    assert recall / 50 >= 0.95


def test_incremental_ingest_reuses_embeddings(tmp_path: Path, embedder) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {**SEED_LIKE, "notes.txt": "Walking daily keeps the spine flexible.\n\nSwimming is gentle on sore hips.\n"},
    )
    index = tmp_path / "index"
    first = build_index(corpus, index, Settings(), embedder=embedder)
    assert first.reused == 0 and first.embedded == first.chunks == 7
    again = build_index(corpus, index, Settings(), force=True, embedder=embedder)
    assert again.embedded == 0
    (corpus / "notes.txt").write_text("Walking daily keeps the spine flexible.\n\nCycling is gentle on sore hips.\n")
    edited = build_index(corpus, index, Settings(), embedder=embedder)
    assert edited.embedded == 1
    (corpus / "back.txt").unlink()
    removed = build_index(corpus, index, Settings(), embedder=embedder)
    assert removed.embedded == 0
    searcher = Searcher.load(index)
    assert all(c.source != "back.txt" for p in searcher.passages for c in p.citations)
    assert "Cycling is gentle on sore hips." in [p.text for p in searcher.passages]


def test_chunk_plans_reused_after_an_edit_match_a_fresh_build(tmp_path: Path, embedder) -> None:
    long = "Stretching the hamstrings every morning relieves stiffness in the lower back for many people. " * 12
    files = {**SEED_LIKE, "long.txt": long + "\n\nSwimming is gentle on sore hips.\n"}
    corpus = write_corpus(tmp_path / "corpus", files)
    index = tmp_path / "index"
    build_index(corpus, index, Settings(), embedder=embedder)
    (corpus / "long.txt").write_text(long + "\n\nCycling is gentle on sore hips.\n")
    build_index(corpus, index, Settings(), embedder=embedder)
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, Settings(), embedder=embedder)
    for name in ("chunks.jsonl", "passages.jsonl", "chunk_plans.json", "minhashes.npy", "minhash_keys.npy"):
        assert (live(index) / name).read_bytes() == (live(fresh) / name).read_bytes(), name
    # Other chunk settings: the plans are made again, not reused.
    small = replace(Settings(), chunk_tokens=48)
    build_index(corpus, index, small, embedder=embedder)
    build_index(corpus, tmp_path / "small", small, embedder=embedder)
    assert (live(index) / "chunks.jsonl").read_bytes() == (live(tmp_path / "small") / "chunks.jsonl").read_bytes()


def test_damaged_index_is_rebuilt_by_a_plain_ingest(make_index, tmp_path: Path, embedder) -> None:
    index = make_index(SEED_LIKE)
    path = live(index) / "chunks.jsonl"
    path.write_bytes(path.read_bytes()[:-5])
    summary = build_index(tmp_path / "index-corpus", index, Settings(), embedder=embedder)
    assert not summary.up_to_date
    assert Searcher.load(index).search("sciatica", k=1)[0].text.startswith("Sciatica")


def test_jsonl_rows_parse_only_the_row_asked_for(tmp_path: Path) -> None:
    rows = [{"text": "café\nsecond line", "n": 1}, {"text": "二", "n": 2}, {"text": "", "n": 3}]
    path = tmp_path / "rows.jsonl"
    store.write_jsonl(path, rows)
    lazy = store.JsonlRows(path, lambda row: row["n"])
    assert len(lazy) == 3
    assert (lazy[0], lazy[-1], lazy[1:]) == (1, 3, [2, 3])
    assert list(lazy) == [1, 2, 3]
    with pytest.raises(IndexError):
        lazy[3]
    path.write_bytes(path.read_bytes().rstrip(b"\n"))  # a last row without its newline
    assert list(store.JsonlRows(path, lambda row: row["text"])) == [r["text"] for r in rows]
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert len(store.JsonlRows(tmp_path / "empty.jsonl", dict)) == 0


def test_index_without_stored_lookups_answers_the_same(make_index) -> None:
    index = make_index(SEED_LIKE)
    questions = ["sciatica pain down the leg", "bone cement for fractures", "mattress for back pain"]
    before = Searcher.load(index)
    expected = [(hit, before.context(hit)) for q in questions for hit in before.search(q, k=3)]
    # An index built before the lookups were stored: the searcher works them out from the rows.
    build = live(index)
    manifest = json.loads((build / "manifest.json").read_text())
    for name in ("chunk_passages.npy", "sources.json", "source_order.npy"):
        (build / name).unlink()
        del manifest["files"][name]
    (build / "manifest.json").write_text(json.dumps(manifest))
    after = Searcher.load(index)
    assert after.sources() == before.sources() == ["back.txt", "hips.txt"]
    assert [(hit, after.context(hit)) for q in questions for hit in after.search(q, k=3)] == expected
