"""The index folder: the live build, atomic publication, stale builds, the ingest lock, crash safety."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from askdocs import IndexMissingError, IngestLockedError, Searcher
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.index.build_folder import BUILD_PREFIX, PASSAGES
from askdocs.ingest.pipeline import build_index
from askdocs.settings import IndexSettings
from tests.conftest import ROOT, SEED_LIKE, write_corpus


def live(index: Path) -> Path:
    return publication.live_build(index)


def builds(index: Path) -> list[str]:
    """The names of every build folder in the index folder."""
    return sorted(p.name for p in index.glob(f"{BUILD_PREFIX}*"))


def test_missing_index_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match=r"python ingest.py --index"):
        Searcher.load(tmp_path / "nothing")


def test_rebuild_swaps_atomically_and_cleans_old_builds(
    make_index: Callable[..., Path], tmp_path: Path, encoder: Encoder
) -> None:
    index = make_index(SEED_LIKE)
    first = live(index)
    stale = index / f"{BUILD_PREFIX}stale-from-a-killed-run"
    stale.mkdir()
    corpus = write_corpus(
        tmp_path / "index-corpus", {"extra.txt": "Gout is arthritis caused by uric acid crystals in the joints."}
    )
    build_index(corpus, index, IndexSettings(), encoder=encoder)
    assert live(index) != first
    assert not stale.exists()
    # The replaced build is retired, not deleted, for the readers still loading it (issue #25) ...
    assert first.exists() and builds(index) == sorted([first.name, live(index).name])
    # ... until RETIRED_SECONDS have passed.
    publication.remove_stale_builds(index, now=time.time() + publication.RETIRED_SECONDS + 1)
    assert not first.exists()
    assert builds(index) == [live(index).name]
    assert not list(index.glob(f"{publication.RETIRED_PREFIX}*"))


def test_a_burst_of_publications_keeps_at_most_two_retired_builds(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    names = []
    for _ in range(4):
        copy = publication.new_build_dir(index)
        shutil.copytree(live(index), copy, dirs_exist_ok=True)
        publication.publish(index, copy)
        names.append(copy.name)
    assert live(index).name == names[-1]
    assert builds(index) == sorted(names[-1 - publication.RETIRED_KEPT :])


def test_a_searcher_loading_a_build_replaced_under_it_loads_the_new_one(
    make_index: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    index = make_index(SEED_LIKE)
    old = live(index)
    copy = publication.new_build_dir(index)
    shutil.copytree(old, copy, dirs_exist_ok=True)
    real_open_live = publication.open_live
    calls = []

    def opened_then_replaced(*args: object, **kwargs: object) -> object:
        calls.append(1)
        opened = real_open_live(*args, **kwargs)
        if len(calls) == 1:
            # Published, and the old build deleted, after this reader read CURRENT and its manifest.
            publication.publish(index, copy)
            shutil.rmtree(old)
        return opened

    monkeypatch.setattr(publication, "open_live", opened_then_replaced)
    searcher = Searcher.load(index)
    assert len(calls) == 2 and searcher.build == copy
    assert searcher.search("hip pain", k=1)


def test_open_live_gives_the_verified_live_build_and_intact_live_none_when_damaged(
    make_index: Callable[..., Path], tmp_path: Path
) -> None:
    assert publication.current_token(tmp_path / "nothing") is None
    assert publication.intact_live(tmp_path / "nothing") is None
    index = make_index(SEED_LIKE)
    reader, manifest = publication.open_live(index)
    assert reader.build == live(index) and reader.build.name == publication.current_token(index)
    assert manifest.counts.passages == 5
    intact = publication.intact_live(index)
    assert intact is not None and intact[0].build == reader.build and intact[1] == manifest
    passages = reader.path(PASSAGES)
    passages.write_bytes(passages.read_bytes()[:-3])
    assert publication.intact_live(index) is None
    # Without `verify` the checksums are not compared, so the damage goes unnoticed here.
    assert publication.open_live(index, verify=False)[1] == manifest


def test_second_ingest_is_locked_out(make_index: Callable[..., Path], tmp_path: Path) -> None:
    index = make_index(SEED_LIKE)
    with publication.ingest_lock(index), pytest.raises(IngestLockedError, match="another ingest"):
        build_index(tmp_path / "index-corpus", index, IndexSettings(), force=True)


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


def _ingest(corpus: Path, index: Path, *extra: str) -> subprocess.Popen[str]:
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
def test_sigkill_during_rebuild_leaves_the_old_index_answering(
    make_index: Callable[..., Path], tmp_path: Path, moment: str
) -> None:
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
        while not [p for p in index.glob(f"{BUILD_PREFIX}*") if p != old_build] and time.monotonic() < deadline:
            time.sleep(0.005)
    assert process.poll() is None, process.communicate()
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert live(index) == old_build
    assert _answers(index) == before
    # The next ingest cleans what the killed one left and succeeds.
    process = _ingest(corpus, index)
    assert process.wait(timeout=600) == 0, process.communicate()
    # Only the build it replaced stays, retired for its readers; the killed run's folder is gone.
    assert builds(index) == sorted([live(index).name, old_build.name])


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
