"""A sharded index served on Ray Serve (serve/cluster/): `python -m askdocs serve --ray local:2 --replicas 2`
on a private Ray instance bound to 127.0.0.1 answers as one machine does, keeps answering while a shard
replica is killed, and serves a new build without a restart."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.index.shard_lookups import merged_reading_order
from askdocs.ingest.pipeline import build_index
from askdocs.records import Citation
from askdocs.serve.cli import main
from askdocs.settings import IndexSettings
from tests.conftest import ROOT
from tests.test_http import Server, as_json, get, served

MAINT_GUIDE = ROOT / "bench" / "devsets" / "maint-guide"
QUESTIONS = [json.loads(line)["text"] for line in (MAINT_GUIDE / "queries.jsonl").open()][:30]
SEED_QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "bench" / "seed_questions.jsonl").open()]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[Server, Path, Path]]:
    """The Maintainers' Guide and the seeds in 3 shards, served by Ray Serve with 2 replicas per
    deployment; with the corpus folder and an unsharded index of the same files."""
    root = tmp_path_factory.mktemp("cluster")
    corpus = root / "corpus"
    shutil.copytree(MAINT_GUIDE / "corpus", corpus)
    for seed in (ROOT / "corpus").iterdir():
        shutil.copy(seed, corpus / seed.name)
    build_index(corpus, root / "sharded", IndexSettings(shards=3), encoder=encoder)
    build_index(corpus, root / "one", IndexSettings(), encoder=encoder)
    with served(root / "sharded", root / "serve.log", "--ray", "local:2", "--replicas", "2", timeout=240) as server:
        _wait_until_searchable(server)
        yield server, corpus, root / "one"


def _wait_until_searchable(server: Server) -> None:
    deadline = time.monotonic() + 180
    while get(server, "/search", q="package").status_code != 200:
        assert time.monotonic() < deadline, server.log.read_text()[-3000:]
        time.sleep(0.5)


def test_the_served_shards_give_one_machines_hits(cluster: tuple[Server, Path, Path]) -> None:
    server, _, one = cluster
    searcher = Searcher.load(one)
    for question in QUESTIONS + SEED_QUESTIONS + ['"debian/rules" -quilt', "upload a package type:html"]:
        answer = get(server, "/search", q=question, k=10)
        assert answer.status_code == 200, answer.text
        got, expected = answer.json()["hits"], as_json(searcher.search(question, k=10))
        assert [h["text"] for h in got] == [h["text"] for h in expected], question
        assert [h["citations"] for h in got] == [h["citations"] for h in expected]
        assert [(h["highlight"], h["confident"]) for h in got] == [(h["highlight"], h["confident"]) for h in expected]
        np.testing.assert_allclose([h["score"] for h in got], [h["score"] for h in expected], rtol=0, atol=1e-6)


def _replica_pids(deployment: str) -> list[int]:
    found = subprocess.run(["pgrep", "-f", f"ServeReplica:askdocs:{deployment}"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


def test_a_killed_shard_replica_loses_no_request(cluster: tuple[Server, Path, Path]) -> None:
    server = cluster[0]
    before = _replica_pids("shard-01")
    assert len(before) == 2, before
    statuses: list[int] = []
    stop_at = time.monotonic() + 15  # a bounded load: 4 clients for 15 s

    def client(number: int) -> None:
        with httpx.Client(timeout=60) as http:
            at = 0
            while time.monotonic() < stop_at:
                question = QUESTIONS[(number * 7 + at) % len(QUESTIONS)]
                statuses.append(http.get(f"{server.url}/search", params={"q": question}).status_code)
                at += 1

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    time.sleep(3)
    subprocess.run(["kill", "-9", str(before[0])], check=True)
    for thread in clients:
        thread.join()
    assert statuses and set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    # Ray Serve replaces the dead replica.
    deadline = time.monotonic() + 60
    while not (len(_replica_pids("shard-01")) == 2 and before[0] not in _replica_pids("shard-01")):
        assert time.monotonic() < deadline, _replica_pids("shard-01")
        time.sleep(0.5)


def test_a_new_build_is_served_without_a_restart(cluster: tuple[Server, Path, Path], encoder: Encoder) -> None:
    server, corpus, _ = cluster
    build = get(server, "/health").json()["build"]
    (corpus / "zebra-notes.txt").write_text("The quokka rota: Priya feeds the zebras on Tuesdays.\n", encoding="utf-8")
    build_index(corpus, server_index(server), IndexSettings(shards=3), encoder=encoder)
    deadline = time.monotonic() + 60
    while get(server, "/health").json()["build"] == build:
        assert time.monotonic() < deadline
        time.sleep(0.5)
    hits = get(server, "/search", q="who feeds the zebras", k=3).json()["hits"]
    assert hits[0]["citations"][0]["source"] == "zebra-notes.txt"


def test_a_build_with_another_number_of_shards_is_redeployed(
    cluster: tuple[Server, Path, Path], encoder: Encoder
) -> None:
    server, corpus, _ = cluster
    build_index(corpus, server_index(server), IndexSettings(shards=2), encoder=encoder, force=True)
    deadline = time.monotonic() + 120
    while True:  # until the two-shard build answers (meanwhile a 503 names the redeploy)
        answer = get(server, "/search", q="who feeds the zebras", k=3)
        if answer.status_code == 200 and answer.json()["hits"]:
            break
        assert answer.status_code in (200, 503), answer.text
        assert time.monotonic() < deadline, server.log.read_text()[-3000:]
        time.sleep(1)
    assert answer.json()["hits"][0]["citations"][0]["source"] == "zebra-notes.txt"
    while _replica_pids("shard-02"):  # the third shard's deployment is gone
        assert time.monotonic() < deadline + 60
        time.sleep(1)


def server_index(server: Server) -> Path:
    return server.log.parent / "sharded"


def test_an_unsharded_index_is_refused_with_the_fix(
    cluster: tuple[Server, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--index", str(cluster[2]), "--ray", "local:1"]) == 2
    error = capsys.readouterr().err
    assert "is not sharded" in error and "--shards" in error


def test_a_file_spread_over_shards_is_read_in_its_own_order() -> None:
    # "b.txt" is cited by passage 0 of shard 0 (a duplicate merged there) and by passage 0 of shard 1.
    cited = {0: [Citation("a.txt", line=1), Citation("b.txt", line=9)], 1: [Citation("b.txt", line=2)]}
    shard0 = (["a.txt", "b.txt"], np.asarray([[0, 0], [1, 0]]))
    shard1 = (["b.txt"], np.asarray([[0, 0]]))
    sources, order = merged_reading_order([shard0, shard1], [0, 1], lambda ids: [cited[i] for i in ids])
    assert sources == ["a.txt", "b.txt"]
    assert order.tolist() == [[0, 0], [1, 1], [1, 0]]  # b.txt's line 2 (passage 1) before its line 9
