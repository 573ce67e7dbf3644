"""Ingest on a private local Ray instance gives the same index as a local ingest."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.errors import AskdocsError
from askdocs.index import publication
from askdocs.index.build_folder import CHUNKS, PASSAGES, PLANS, REPORT, TOKENIZER
from askdocs.ingest.pipeline import build_index
from askdocs.ingest.ray_executor import ray_executor
from askdocs.ray_session import parse_spec
from askdocs.settings import IndexSettings
from tests.conftest import ROOT, SEED_LIKE, make_pdf, write_corpus

EXTRA = {
    **SEED_LIKE,
    "manual.pdf": make_pdf(["Page one says nothing.", "The warranty covers the pump for five years."]),
    "notes.md": "# Sleep\n\nA pillow between the knees eases hip pain at night.\n",
    "broken.pdf": b"%PDF-1.4 this is not a real pdf",
}


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> tuple[Path, Path, Path]:
    """(corpus, local index, Ray index) of the seed corpus plus a PDF, a Markdown file and a broken file."""
    root = tmp_path_factory.mktemp("ray")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    write_corpus(corpus, EXTRA)
    build_index(corpus, root / "local", IndexSettings(), encoder=encoder)
    build_index(corpus, root / "ray", IndexSettings(), encoder=encoder, executor=ray_executor("local:2"))
    return corpus, root / "local", root / "ray"


def test_ray_and_local_ingest_store_the_same_passages_chunks_and_report(both: tuple[Path, Path, Path]) -> None:
    _, local, ray = both
    local_build, ray_build = publication.live_build(local), publication.live_build(ray)
    for name in (PASSAGES, CHUNKS, REPORT, PLANS, TOKENIZER):
        assert (ray_build / name).read_bytes() == (local_build / name).read_bytes(), name
    report = json.loads((ray_build / REPORT).read_text())
    assert [s["source"] for s in report["skipped"]] == ["broken.pdf"]
    local_manifest, ray_manifest = publication.open_live(local)[1], publication.open_live(ray)[1]
    assert ray_manifest.counts == local_manifest.counts
    assert ray_manifest.question_encoder == local_manifest.question_encoder


def test_ray_and_local_vectors_agree_to_1e_6(both: tuple[Path, Path, Path]) -> None:
    _, local, ray = both
    for merged in (False, True):
        ours = publication.open_live(ray)[0].chunk_vectors(merged=merged)
        theirs = publication.open_live(local)[0].chunk_vectors(merged=merged)
        assert ours.vectors.shape == theirs.vectors.shape
        np.testing.assert_allclose(ours.vectors, theirs.vectors, atol=1e-6)
        np.testing.assert_array_equal(ours.offsets, theirs.offsets)
        np.testing.assert_allclose(
            np.asarray(ours.sentences, np.float32), np.asarray(theirs.sentences, np.float32), atol=1e-3
        )


def test_the_same_searcher_answers_the_same_from_either_index(both: tuple[Path, Path, Path]) -> None:
    _, local, ray = both
    cases = [json.loads(line) for line in (ROOT / "bench" / "seed_questions.jsonl").read_text().splitlines()]
    questions = [case["question"] for case in cases[:10]] + ["How long does the pump warranty last?"]
    from_local, from_ray = Searcher.load(local), Searcher.load(ray)
    for question in questions:
        expected = [(h.text, h.citations, h.highlight, h.confident) for h in from_local.search(question, k=5)]
        assert [(h.text, h.citations, h.highlight, h.confident) for h in from_ray.search(question, k=5)] == expected
    first = from_ray.search("How long does the pump warranty last?", k=1)[0]
    assert (first.citations[0].source, first.citations[0].page) == ("manual.pdf", 2)


def test_a_ray_reingest_of_an_edit_embeds_only_the_changed_chunk(both: tuple[Path, Path, Path], tmp_path: Path) -> None:
    corpus, _, ray = both
    index = tmp_path / "index"
    shutil.copytree(ray, index)
    notes = corpus / "notes.md"
    notes.write_text(notes.read_text() + "\nA warm bath before bed relaxes stiff hips.\n", encoding="utf-8")
    try:
        done = subprocess.run(
            [
                sys.executable,
                "ingest.py",
                "--corpus",
                str(corpus),
                "--index",
                str(index),
                "--ray",
                "local:1",
                "--quiet",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        notes.write_text(EXTRA["notes.md"], encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert "chunks embedded: 1," in done.stdout
    hits = Searcher.load(index).search("What relaxes stiff hips before bed?", k=1)
    assert hits[0].citations[0].source == "notes.md" and "warm bath" in hits[0].text


@pytest.mark.parametrize("spec", ["local:0", "local", "local:two", ""])
def test_a_bad_ray_spec_is_refused_with_the_form_to_use(spec: str) -> None:
    with pytest.raises(AskdocsError, match="--ray"):
        parse_spec(spec)


def test_a_bad_ray_spec_fails_before_any_work_and_keeps_the_index(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    done = subprocess.run(
        [sys.executable, "ingest.py", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--ray", "local:0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "local:N" in done.stderr
    assert not (tmp_path / "index").exists()


def test_without_ray_nothing_imports_ray(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    script = (
        "import sys\nfrom askdocs.serve.cli import ingest_main, main\nfrom askdocs import Searcher\n"
        f"assert ingest_main(['--corpus', {str(corpus)!r}, '--index', {str(tmp_path / 'index')!r}, '--quiet']) == 0\n"
        f"Searcher.load({str(tmp_path / 'index')!r}).search('hip pain')\n"
        "print('ray' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"


def listening_addresses() -> set[str]:
    """The local addresses of every listening TCP socket in this network namespace (from /proc)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "0A":  # LISTEN
                found.add(local)
    return found


def is_loopback(address: str) -> bool:
    host = address.split(":")[0]
    # 127.0.0.0/8, also as ::ffff:127.x.y.z, ends in 7F (each 32-bit word is written little-endian); ::1 is below.
    return host.endswith("7F") or host == "00000000000000000000000001000000"


def test_a_private_ray_instance_listens_on_loopback_only() -> None:
    from askdocs.ray_session import ray_session

    before = listening_addresses()
    with ray_session("local:1"):
        opened = listening_addresses() - before
    assert opened, "Ray opened no listening socket at all: the check saw nothing"
    assert all(is_loopback(address) for address in opened), sorted(opened)


def ray_map_workers() -> list[int]:
    """Pids of the Ray actors running a Ray Data map (the chunk, embedding and MinHash workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"MapWorker" in command:
                pids.append(int(entry.name))
    return pids


def test_a_worker_killed_mid_ingest_is_retried_or_fails_cleanly_keeping_the_old_build(tmp_path: Path) -> None:
    import os
    import random
    import signal
    import time

    index = tmp_path / "index"
    small = write_corpus(tmp_path / "small", SEED_LIKE)
    assert (
        subprocess.run(
            [sys.executable, "ingest.py", "--corpus", str(small), "--index", str(index), "--quiet"],
            cwd=ROOT,
            timeout=300,
        ).returncode
        == 0
    )
    old_build = publication.current_token(index)
    words = "pump valve seal filter motor belt gear spring lever bolt hinge latch".split()
    rng = random.Random(7)
    paragraphs = [" ".join(rng.choice(words) for _ in range(60)) + "." for _ in range(1500)]
    large = write_corpus(tmp_path / "large", {"parts.txt": "\n\n".join(paragraphs) + "\n"})
    ingest = subprocess.Popen(
        [sys.executable, "ingest.py", "--corpus", str(large), "--index", str(index), "--ray", "local:1", "--quiet"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    deadline = time.monotonic() + 300
    while killed is None and ingest.poll() is None and time.monotonic() < deadline:
        workers = ray_map_workers()
        if workers:
            time.sleep(2)  # into the work, not its start
            try:
                os.kill(workers[0], signal.SIGKILL)
                killed = workers[0]
            except ProcessLookupError:  # that pool had finished its step: wait for the next one
                continue
        time.sleep(0.2)
    out, err = ingest.communicate(timeout=600)
    assert killed is not None, "no Ray worker was seen to kill"
    if ingest.returncode == 0:  # Ray restarted the actor and retried its work
        assert "chunks: 1500" in out
        hits = Searcher.load(index).search("pump valve seal", k=1)
        assert hits and hits[0].citations[0].source == "parts.txt"
    else:  # or the ingest failed with a clear error, and the old build is still live
        assert ingest.returncode == 2 and "Ray failed" in err and "previous index is kept" in err, err
        assert publication.current_token(index) == old_build
        assert Searcher.load(index).search("hip pain", k=1)


class _ProbeWorker:
    """Builds the real `_Worker` (what a Ray ingest runs), embeds a text with it, and lists what it imported."""

    def __init__(self, shipment: object) -> None:
        import pickle

        from askdocs.ingest.ray_executor import _Worker

        worker = _Worker(shipment)
        item = np.array([pickle.dumps(("A pillow between the knees eases hip pain.", [(0, 8)]))], dtype=object)
        self.vector = pickle.loads(worker({"i": np.array([0]), "item": item}, op="embed")["result"][0])[0]

    def report(self) -> tuple[np.ndarray, list[str]]:
        return self.vector, sorted({name.split(".")[0] for name in sys.modules})


def test_ray_workers_embed_without_importing_pytorch(encoder: Encoder) -> None:
    import ray
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import tests/
    with ray_executor("local:1")() as executor:
        executor.use(encoder)
        probe = ray.remote(num_cpus=1)(_ProbeWorker).remote(executor.shipment)  # type: ignore[attr-defined]
        vector, imported = ray.get(probe.report.remote())
    np.testing.assert_allclose(vector, encoder.encode(["A pillow between the knees eases hip pain."])[0], atol=1e-6)
    assert "onnxruntime" in imported
    assert "torch" not in imported and "sentence_transformers" not in imported
