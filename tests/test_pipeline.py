"""Ingest: what a rebuild reuses from the live build, and when it rebuilds at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.index.build_folder import CHUNKS, DOCUMENTS, MINHASH_KEYS, MINHASHES, PASSAGES, PLANS, BuildReader
from askdocs.ingest.corpus import changed_files
from askdocs.ingest.pipeline import build_index, build_is_current
from askdocs.settings import IndexSettings
from tests.conftest import SEED_LIKE, edited_manifest, write_corpus


def is_up_to_date(corpus: Path, index: Path, settings: IndexSettings) -> bool:
    """The live build is intact and was made from this corpus with these settings."""
    live_build = publication.intact_live(index)
    return live_build is not None and build_is_current(corpus, live_build[1], settings)


def live(index: Path) -> Path:
    return publication.live_build(index)


def test_unchanged_corpus_is_not_rebuilt(make_index: Callable[..., Path], tmp_path: Path, encoder: Encoder) -> None:
    index = make_index(SEED_LIKE)
    before = live(index)
    summary = build_index(tmp_path / "index-corpus", index, IndexSettings(), encoder=encoder)
    assert summary.up_to_date
    assert live(index) == before


def test_an_edited_file_is_named_and_makes_the_index_out_of_date(
    make_index: Callable[..., Path], tmp_path: Path
) -> None:
    index = make_index(SEED_LIKE)
    corpus = tmp_path / "index-corpus"
    assert is_up_to_date(corpus, index, IndexSettings())
    assert not is_up_to_date(corpus, index, replace(IndexSettings(), chunk_tokens=64))
    manifest = publication.open_live(index)[1]
    assert changed_files(corpus, manifest.corpus_files) == []
    (corpus / "hips.txt").write_text("Sciatica is nerve pain.\n", encoding="utf-8")
    (corpus / "new.txt").write_text("Gout is arthritis.\n", encoding="utf-8")
    (corpus / "back.txt").unlink()
    assert changed_files(corpus, manifest.corpus_files) == ["back.txt", "hips.txt", "new.txt"]
    assert not is_up_to_date(corpus, index, IndexSettings())


def test_incremental_ingest_reuses_embeddings(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {**SEED_LIKE, "notes.txt": "Walking daily keeps the spine flexible.\n\nSwimming is gentle on sore hips.\n"},
    )
    index = tmp_path / "index"
    first = build_index(corpus, index, IndexSettings(), encoder=encoder)
    assert first.counts.chunks_reused == 0 and first.counts.chunks_embedded == first.counts.chunks == 7
    again = build_index(corpus, index, IndexSettings(), force=True, encoder=encoder)
    assert again.counts.chunks_embedded == 0 and again.counts.chunks_reused == again.counts.chunks == 7
    (corpus / "notes.txt").write_text("Walking daily keeps the spine flexible.\n\nCycling is gentle on sore hips.\n")
    edited = build_index(corpus, index, IndexSettings(), encoder=encoder)
    assert edited.counts.chunks_embedded == 1 and edited.counts.chunks_reused == 6
    (corpus / "back.txt").unlink()
    removed = build_index(corpus, index, IndexSettings(), encoder=encoder)
    assert removed.counts.chunks_embedded == 0
    searcher = Searcher.load(index)
    assert all(c.source != "back.txt" for p in searcher.index.passages for c in p.citations)
    assert "Cycling is gentle on sore hips." in [p.text for p in searcher.index.passages]


def test_chunk_plans_reused_after_an_edit_match_a_fresh_build(tmp_path: Path, encoder: Encoder) -> None:
    long = "Stretching the hamstrings every morning relieves stiffness in the lower back for many people. " * 12
    files = {**SEED_LIKE, "long.txt": long + "\n\nSwimming is gentle on sore hips.\n"}
    corpus = write_corpus(tmp_path / "corpus", files)
    index = tmp_path / "index"
    build_index(corpus, index, IndexSettings(), encoder=encoder)
    (corpus / "long.txt").write_text(long + "\n\nCycling is gentle on sore hips.\n")
    build_index(corpus, index, IndexSettings(), encoder=encoder)
    fresh = tmp_path / "fresh"
    build_index(corpus, fresh, IndexSettings(), encoder=encoder)
    # The unchanged files' passages come from the live build, the edited one's from the file: as a fresh build.
    for name in (CHUNKS, PASSAGES, PLANS, MINHASHES, MINHASH_KEYS, DOCUMENTS):
        assert (live(index) / name).read_bytes() == (live(fresh) / name).read_bytes(), name
    assert len(BuildReader(live(index)).minhashes()[0]) == 7
    # Other chunk settings: the plans are made again, not reused.
    small = replace(IndexSettings(), chunk_tokens=48)
    build_index(corpus, index, small, encoder=encoder)
    build_index(corpus, tmp_path / "small", small, encoder=encoder)
    assert (live(index) / CHUNKS).read_bytes() == (live(tmp_path / "small") / CHUNKS).read_bytes()


def test_only_new_or_changed_files_are_parsed_again(tmp_path: Path, encoder: Encoder) -> None:
    import os

    corpus = write_corpus(tmp_path / "corpus", {**SEED_LIKE, "notes.md": "# Gout\n\nGout is caused by uric acid.\n"})
    index = tmp_path / "index"
    assert build_index(corpus, index, IndexSettings(), encoder=encoder).counts.documents_reused == 0
    (corpus / "notes.md").write_text("# Gout\n\nGout is caused by uric acid crystals.\n")
    os.utime(corpus / "hips.txt")  # touched, same content: still reused
    summary = build_index(corpus, index, IndexSettings(), encoder=encoder)
    assert summary.counts.documents_reused == 2
    assert "files read: 3, skipped: 0 (2 unchanged, not parsed again)" in summary.lines()
    assert "crystals" in Searcher.load(index).search("what causes gout", k=1)[0].text
    # Renamed: read again, so its citations carry the new name.
    (corpus / "back.txt").rename(corpus / "spine.txt")
    summary = build_index(corpus, index, IndexSettings(), encoder=encoder)
    assert summary.counts.documents_reused == 2
    assert Searcher.load(index).search("chronic back pain twelve weeks", k=1)[0].citations[0].source == "spine.txt"
    # The stages a progress display hears, with the size of the work left after reuse.
    stages: list[str] = []
    (corpus / "kites.txt").write_text("Box kites fly best in steady winds.\n")
    build_index(corpus, index, IndexSettings(), encoder=encoder, on_stage=stages.append)
    assert stages == [
        "reading 1 new or changed file(s)",
        "embedding 1 new chunk(s) of text",
        "writing the index",
        "publishing",
    ]
    # Other read limits (here OCR off) read every file again.
    no_ocr = replace(IndexSettings(), ocr=False)
    assert build_index(corpus, index, no_ocr, encoder=encoder).counts.documents_reused == 0


def test_damaged_index_is_rebuilt_by_a_plain_ingest(
    make_index: Callable[..., Path], tmp_path: Path, encoder: Encoder
) -> None:
    index = make_index(SEED_LIKE)
    path = live(index) / CHUNKS
    path.write_bytes(path.read_bytes()[:-5])
    summary = build_index(tmp_path / "index-corpus", index, IndexSettings(), encoder=encoder)
    assert not summary.up_to_date
    assert Searcher.load(index).search("sciatica", k=1)[0].text.startswith("Sciatica")


def test_files_are_counted_by_format_in_the_summary_report_and_manifest(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(
        tmp_path / "c",
        {**SEED_LIKE, "notes.md": "# Gout\n\nGout is a form of arthritis caused by uric acid crystals.\n"}
        | {"broken.pdf": b"%PDF-1.4 not really", "data.bin": b"\x00\x01"},
    )
    summary = build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    formats = summary.counts.formats
    assert formats[".md"] == {"read": 1, "skipped": 0}
    assert formats[".pdf"] == {"read": 0, "skipped": 1} and formats[".bin"]["skipped"] == 1
    assert any(line.startswith("files by format: ") and ".md 1" in line for line in summary.lines())
    build = BuildReader(live(tmp_path / "index"))
    assert build.report()["files_by_format"] == formats
    assert publication.open_live(tmp_path / "index")[1].counts.formats == formats


def test_a_build_read_by_older_parsers_is_read_again(make_index: Callable[..., Path], tmp_path: Path) -> None:
    index = make_index(SEED_LIKE)
    corpus = tmp_path / "index-corpus"
    with edited_manifest(index) as data:
        del data["readers_version"]
    assert not is_up_to_date(corpus, index, IndexSettings())


def test_library_settings_are_kept_in_the_build_and_an_edit_rebuilds(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(tmp_path / "c", {**SEED_LIKE, "askdocs.toml": 'title = "Joints"\nnotice = "Be careful."\n'})
    summary = build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    assert "askdocs.toml" not in {s.source for s in summary.skipped}
    manifest = publication.open_live(tmp_path / "index")[1]
    assert (manifest.library["title"], manifest.library["notice"]) == ("Joints", "Be careful.")
    assert is_up_to_date(corpus, tmp_path / "index", IndexSettings())
    (corpus / "askdocs.toml").write_text('title = "Bones"\n', encoding="utf-8")
    assert not is_up_to_date(corpus, tmp_path / "index", IndexSettings())
    build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    assert publication.open_live(tmp_path / "index")[1].library["title"] == "Bones"


def test_short_notes_are_indexed_and_found(tmp_path: Path, encoder: Encoder) -> None:
    """Issue #25: a note of a few words was skipped as "no text to index"; it is a person's content."""
    corpus = write_corpus(
        tmp_path / "c",
        {
            **SEED_LIKE,
            "wifi.txt": "Wifi password: hunter2\n",
            "door.md": "Door code 4512\n",
            "plumber.csv": "Name,Phone\nPlumber,555 0101\n",
        },
    )
    summary = build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    assert summary.skipped == []
    searcher = Searcher.load(tmp_path / "index")
    for question, source in (
        ("what is the wifi password", "wifi.txt"),
        ("door code", "door.md"),
        ("phone number of the plumber", "plumber.csv"),
    ):
        assert searcher.search(question, k=1)[0].citations[0].source == source
