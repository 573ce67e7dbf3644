"""Sharded indexes (index/shards.py, ingest/sharding.py, index/sharded_loaded.py): the same hits as one
folder, an edit rewrites only its shard, a failed build keeps the old one live."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.index.shards import shard_of
from askdocs.ingest import sharding
from askdocs.ingest.pipeline import build_index
from askdocs.serve.cli import ingest_main
from askdocs.settings import IndexSettings
from tests.conftest import ROOT

MAINT_GUIDE = ROOT / "bench" / "devsets" / "maint-guide"
SEED_QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "bench" / "seed_questions.jsonl").open()]
OPERATOR_QUESTIONS = ['"debian/rules" -quilt', "upload a package type:html", "patch folder:. -dpkg"]


def _build(corpus: Path, index: Path, encoder: Encoder, shards: int) -> Searcher:
    build_index(corpus, index, IndexSettings(shards=shards), encoder=encoder)
    return Searcher.load(index)


@pytest.fixture(scope="module")
def guide_pair(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> tuple[Searcher, Searcher]:
    """The New Maintainers' Guide (11 HTML files) as one folder and as three shards."""
    root = tmp_path_factory.mktemp("sharded")
    corpus = MAINT_GUIDE / "corpus"
    return _build(corpus, root / "one", encoder, 1), _build(corpus, root / "three", encoder, 3)


def _same_hits(one: Searcher, sharded: Searcher, question: str, mode: str) -> None:
    expected, got = one.search(question, k=10, mode=mode), sharded.search(question, k=10, mode=mode)
    assert [h.text for h in got] == [h.text for h in expected], (question, mode)
    assert [h.citations for h in got] == [h.citations for h in expected]
    np.testing.assert_allclose([h.score for h in got], [h.score for h in expected], rtol=0, atol=1e-6)
    assert [(h.confident, h.highlight) for h in got] == [(h.confident, h.highlight) for h in expected]


def test_the_shards_hold_every_file_once_by_a_stable_hash(guide_pair: tuple[Searcher, Searcher]) -> None:
    one, sharded = guide_pair
    assert len(sharded.manifest.shards) == 3 and not one.manifest.shards
    assert sum(len(shard.chunks) for shard in sharded.index.shards) == len(one.index.chunks)  # type: ignore[attr-defined]
    for name, shard in zip(sharded.manifest.shards, sharded.index.shards):  # type: ignore[attr-defined]
        sources = {c.source for p in shard.passages for c in p.citations[:1]}
        assert {shard_of(s, 3) for s in sources} == {int(name.split("-")[1])}
    assert shard_of("guide/a.html", 3) == shard_of("guide/a.html", 3)  # not Python's salted hash()


@pytest.mark.parametrize("mode", ["hybrid", "dense", "keyword"])
def test_a_dev_set_gets_the_same_hits_from_three_shards(guide_pair: tuple[Searcher, Searcher], mode: str) -> None:
    one, sharded = guide_pair
    questions = [json.loads(line)["text"] for line in (MAINT_GUIDE / "queries.jsonl").open()]
    for question in questions + OPERATOR_QUESTIONS:
        _same_hits(one, sharded, question, mode)


def test_the_seed_questions_get_the_same_hits_from_three_shards(tmp_path: Path, encoder: Encoder) -> None:
    one = _build(ROOT / "corpus", tmp_path / "one", encoder, 1)
    sharded = _build(ROOT / "corpus", tmp_path / "three", encoder, 3)
    for question in SEED_QUESTIONS:
        _same_hits(one, sharded, question, "hybrid")


def _inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_an_edit_rewrites_only_the_shard_of_the_edited_file(tmp_path: Path, encoder: Encoder) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(MAINT_GUIDE / "corpus", corpus)
    index = tmp_path / "index"
    build_index(corpus, index, IndexSettings(shards=3), encoder=encoder)
    before = publication.live_build(index)
    edited = "checkit.en.html"
    page = corpus / edited
    stamp = page.stat()
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", "<p>Lintian zebra audit.</p></body>"))
    # The same modification time: a file's date is in every citation of it, and the guide's boilerplate
    # passages, stored in other shards, cite this file too; an edit on another day rewrites them rightly.
    os.utime(page, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    build_index(corpus, index, IndexSettings(shards=3), encoder=encoder)
    after = publication.live_build(index)
    changed = f"shard-{shard_of(edited, 3):02d}"
    for name in Searcher.load(index).manifest.shards:
        shared = _inodes(before / name).items() & _inodes(after / name).items()
        assert (not shared) if name == changed else len(shared) == len(_inodes(after / name)), name
    hits = Searcher.load(index).search("zebra audit", k=1)
    assert "zebra" in hits[0].text and hits[0].citations[0].source == edited


def test_a_failed_sharded_build_keeps_the_old_index_live(
    tmp_path: Path, encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(MAINT_GUIDE / "corpus", corpus)
    index = tmp_path / "index"
    build_index(corpus, index, IndexSettings(shards=3), encoder=encoder)
    live = publication.live_build(index)
    (corpus / "new.txt").write_text("A note about the zebra release checklist.\n", encoding="utf-8")
    writes: list[Path] = []
    real = sharding.write_build

    def fail_on_the_second_shard(*args: object, **kwargs: object) -> object:
        writes.append(args[1].build)  # type: ignore[attr-defined]
        if len(writes) == 2:
            raise OSError("disk full (injected)")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(sharding, "write_build", fail_on_the_second_shard)
    with pytest.raises(OSError, match="injected"):
        build_index(corpus, index, IndexSettings(shards=3), encoder=encoder)
    assert publication.live_build(index) == live
    assert "zebra" not in Searcher.load(index).search("zebra release checklist", k=1)[0].text


def test_the_shards_option_is_checked(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        ingest_main(["--corpus", str(tmp_path), "--index", str(tmp_path / "i"), "--shards", "0"])
    assert exit_info.value.code == 2 and "at least 1" in capsys.readouterr().err


def test_ray_workers_write_the_shards_of_the_same_index(
    guide_pair: tuple[Searcher, Searcher], tmp_path: Path, encoder: Encoder
) -> None:
    from askdocs.ingest.ray_executor import ray_executor

    _, local = guide_pair
    build_index(
        MAINT_GUIDE / "corpus",
        tmp_path / "ray",
        IndexSettings(shards=3),
        encoder=encoder,
        executor=ray_executor("local:2"),
    )
    sharded = Searcher.load(tmp_path / "ray")
    assert sharded.manifest.shards == local.manifest.shards
    for name in sharded.manifest.shards:
        ours, theirs = publication.live_build(tmp_path / "ray") / name, publication.live_build(local.index_dir) / name
        for part in ("passages.jsonl", "chunks.jsonl", "bm25/counts_data.npy", "bm25/vocabulary.json"):
            assert (ours / part).read_bytes() == (theirs / part).read_bytes(), (name, part)
    for question in ["how do I build the package", "what goes in debian/control"]:
        _same_hits(local, sharded, question, "hybrid")
