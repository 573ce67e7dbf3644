"""The HTTP API, served by real uvicorn servers on 127.0.0.1 and called with httpx."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.ingest.pipeline import build_index
from askdocs.search.modes import MODES
from askdocs.serve.cli import main
from askdocs.serve.environment import INDEX_ENV, LIBRARIES_ENV, SIGN_IN_PROXY_ENV, TOKEN_ENV, USER_HEADER_ENV
from askdocs.serve.http.app import create_app
from askdocs.serve.http.common import SearchMode
from askdocs.serve.presentation import MAX_QUESTION_CHARS, hit_to_json
from askdocs.serve.request_origin import is_loopback
from askdocs.settings import IndexSettings
from tests.conftest import ROOT, SEED_LIKE, stop_process, write_corpus

SEED_QUESTIONS = [json.loads(line) for line in (ROOT / "bench" / "seed_questions.jsonl").read_text().splitlines()]
TOKEN = "s3cret-token"
NOTES = {"notes.md": "# Sleep\n\nA pillow between the knees eases hip pain at night.\n"}


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(index: Path | None, log: Path, *options: str, timeout: float = 60) -> Iterator[Server]:
    """`python -m askdocs serve [--index INDEX]` on 127.0.0.1 and a free port, until the block ends."""
    port = free_port()
    # The servers get only what the test passes: no token, index or libraries from the caller's environment.
    env = {name: value for name, value in os.environ.items() if name not in (TOKEN_ENV, INDEX_ENV, LIBRARIES_ENV)}
    where = ["--index", str(index)] if index is not None else []
    command = [sys.executable, "-m", "askdocs", "serve", *where, "--port", str(port), *options]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server exited with code {process.returncode}:\n{log.read_text()}")
            try:
                httpx.get(f"{server.url}/health", timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within {timeout} s:\n{log.read_text()}")
                time.sleep(0.1)
        yield server
    finally:
        stop_process(process)


@contextmanager
def thread_server(app: FastAPI) -> Iterator[str]:
    """A uvicorn server in a thread of this process, for tests that patch the app's code."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def as_json(hits: list[Any]) -> list[dict[str, Any]]:
    """Hits as the API sends them: `hit_to_json`, through a JSON round trip (tuples become lists)."""
    return json.loads(json.dumps([hit_to_json(hit) for hit in hits]))


def get(server: Server | str, path: str, **params: Any) -> httpx.Response:
    url = server.url if isinstance(server, Server) else server
    return httpx.get(f"{url}{path}", params=params, timeout=60)


@pytest.fixture(scope="module")
def seeds_server(seed_corpus_index: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(seed_corpus_index[1], tmp_path_factory.mktemp("api") / "seeds.log") as server:
        yield server


@pytest.fixture(scope="module")
def small_server(seed_like_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with served(seed_like_index, tmp_path_factory.mktemp("api") / "small.log") as server:
        yield server


@pytest.fixture(scope="module")
def small_searcher(seed_like_index: Path) -> Searcher:
    return Searcher.load(seed_like_index)


def test_hits_equal_the_searchers_for_every_seed_question(
    seeds_server: Server, seed_corpus_index: tuple[Path, Path]
) -> None:
    searcher = Searcher.load(seed_corpus_index[1])
    for case in SEED_QUESTIONS:
        response = get(seeds_server, "/search", q=case["question"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"question", "query", "hits", "took_ms"}
        assert body["question"] == case["question"]
        assert isinstance(body["took_ms"], float) and body["took_ms"] > 0
        # Text, score, citations, highlight, confident, similarity (and the ids), as `ask --json` prints them.
        assert body["hits"] == as_json(searcher.search(case["question"], k=5))
        places = [(c["source"], c.get("line")) for hit in body["hits"] for c in hit["citations"]]
        assert (case["source"], case["line"]) in places, case["question"]


@pytest.mark.parametrize("mode", ["dense", "keyword"])
def test_modes_and_k_are_passed_to_the_searcher(
    seeds_server: Server, seed_corpus_index: tuple[Path, Path], mode: str
) -> None:
    searcher = Searcher.load(seed_corpus_index[1])
    question = SEED_QUESTIONS[0]["question"]
    body = get(seeds_server, "/search", q=question, k=3, mode=mode).json()
    assert body["hits"] == as_json(searcher.search(question, k=3, mode=mode))
    assert len(body["hits"]) == 3


def test_concurrent_requests_get_the_same_answers_as_one_at_a_time(seeds_server: Server) -> None:
    questions = [case["question"] for case in SEED_QUESTIONS[:8]]
    alone = [get(seeds_server, "/search", q=question).json()["hits"] for question in questions]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda question: get(seeds_server, "/search", q=question).json()["hits"], questions))
    assert together == alone


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"q": ""}, "'q'"),
        ({"q": "   \t "}, "'q'"),
        ({}, "'q'"),
        ({"q": "a" * (MAX_QUESTION_CHARS + 1)}, "1000"),
        ({"q": "hip pain", "k": "0"}, "'k'"),
        ({"q": "hip pain", "k": "101"}, "'k'"),
        ({"q": "hip pain", "k": "abc"}, "'k'"),
        ({"q": "hip pain", "mode": "fuzzy"}, "'mode'"),
    ],
    ids=["empty", "blank", "missing", "too-long", "k=0", "k=101", "k=abc", "mode"],
)
def test_bad_requests_are_4xx_json_errors_naming_the_parameter(
    small_server: Server, params: dict[str, str], names: str
) -> None:
    response = get(small_server, "/search", **params)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"] and isinstance(body["error"], str)
    assert names in body["error"], body["error"]
    assert "Traceback" not in response.text


def test_limits_are_inclusive_and_unknown_paths_are_json_too(small_server: Server) -> None:
    assert get(small_server, "/search", q="a" * MAX_QUESTION_CHARS).status_code == 200
    assert len(get(small_server, "/search", q="back pain", k=100).json()["hits"]) == 5
    assert len(get(small_server, "/search", q="back pain", k=1).json()["hits"]) == 1
    missing = get(small_server, "/nowhere")
    assert missing.status_code == 404
    assert "/nowhere" in missing.json()["error"]


def test_source_filter_keeps_only_that_files_passages(small_server: Server, small_searcher: Searcher) -> None:
    question = "bone cement for vertebral fractures and back pain"
    every = get(small_server, "/search", q=question, k=10).json()["hits"]
    assert any("back.txt" not in {c["source"] for c in hit["citations"]} for hit in every)
    back = get(small_server, "/search", q=question, k=10, source="back.txt").json()["hits"]
    assert back and all("back.txt" in {c["source"] for c in hit["citations"]} for hit in back)
    assert back == as_json(small_searcher.search(question, k=10, sources=["back.txt"]))
    both = get(small_server, "/search", q=question, k=10, source=["back.txt", "hips.txt"]).json()["hits"]
    assert both == every


def test_health_and_openapi(small_server: Server, small_searcher: Searcher, seed_like_index: Path) -> None:
    health = get(small_server, "/health")
    assert health.status_code == 200
    counts = small_searcher.manifest.counts
    assert health.json() == {
        "status": "ok",
        "index": seed_like_index.name,  # no absolute path of the server's in a body (issue #25)
        "build": publication.current_token(seed_like_index),
        "chunks": counts.chunks,
        "passages": counts.passages,
    }
    schema = get(small_server, "/openapi.json").json()
    assert {"/search", "/health"} <= set(schema["paths"])
    parameters = {p["name"]: p for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert set(parameters) == {"q", "k", "source", "mode"}
    assert set(parameters["mode"]["schema"]["enum"]) == set(MODES)


def test_search_modes_listed_by_the_api_are_the_searchers() -> None:
    assert set(get_args(SearchMode)) == set(MODES)


def test_no_index_is_a_503_naming_the_ingest_command_until_one_is_built(tmp_path: Path, encoder: Encoder) -> None:
    index = tmp_path / "index"
    with served(index, tmp_path / "server.log") as server:
        for response in (get(server, "/health"), get(server, "/search", q="sciatica")):
            assert response.status_code == 503
            assert "python ingest.py --index" in response.json()["error"]
        build_index(write_corpus(tmp_path / "corpus", SEED_LIKE), index, IndexSettings(), encoder=encoder)
        health = get(server, "/health")
        assert health.status_code == 200 and health.json()["build"] == publication.current_token(index)


def test_a_rebuilt_index_is_served_without_a_restart(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    index = tmp_path / "index"
    build_index(corpus, index, IndexSettings(), encoder=encoder)
    question = "a pillow between the knees at night"
    with served(index, tmp_path / "server.log") as server:
        before = get(server, "/health").json()
        hits = get(server, "/search", q=question).json()["hits"]
        assert all(c["source"] != "notes.md" for hit in hits for c in hit["citations"])

        write_corpus(corpus, NOTES)
        build_index(corpus, index, IndexSettings(), encoder=encoder)
        after = get(server, "/health").json()
        assert after["build"] == publication.current_token(index) != before["build"]
        assert after["passages"] == before["passages"] + 1
        first = get(server, "/search", q=question).json()["hits"][0]
        assert first["text"] == "A pillow between the knees eases hip pain at night."
        assert first["citations"][0]["source"] == "notes.md" and first["citations"][0]["line"] == 3
        assert server.process.poll() is None


def test_a_token_guards_every_endpoint_but_health(seed_like_index: Path, tmp_path: Path) -> None:
    with served(seed_like_index, tmp_path / "server.log", "--token", TOKEN) as server:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = httpx.get(f"{server.url}/search", params={"q": "sciatica"}, headers=headers)
            assert response.status_code == 401
            assert "Authorization: Bearer" in response.json()["error"]
            assert response.headers["www-authenticate"] == "Bearer"
        assert httpx.get(f"{server.url}/openapi.json").status_code == 401
        good = {"Authorization": f"Bearer {TOKEN}"}
        response = httpx.get(f"{server.url}/search", params={"q": "sciatica"}, headers=good)
        assert response.status_code == 200
        assert response.json()["hits"][0]["text"].startswith("Sciatica is pain")
        assert httpx.get(f"{server.url}/openapi.json", headers=good).status_code == 200
        # Without the token /health says only that the service is up: no paths, builds or counts.
        assert httpx.get(f"{server.url}/health").json() == {"status": "ok"}
        assert httpx.get(f"{server.url}/health", headers=good).json()["build"] == live_token(seed_like_index)


def live_token(index: Path) -> str | None:
    """The live build's name."""
    return publication.current_token(index)


def test_requests_for_another_host_or_from_another_sites_page_are_refused(seed_like_index: Path) -> None:
    """DNS rebinding (a Host that is not this server's) and cross-site requests (an Origin of another
    site's page) are refused, on reads and writes; this server's own origin and clients without one pass."""
    with thread_server(create_app(seed_like_index)) as url:
        port = url.rsplit(":", 1)[1]
        assert get(url, "/search", q="sciatica").status_code == 200
        own = httpx.get(f"{url}/search", params={"q": "sciatica"}, headers={"Origin": url})
        assert own.status_code == 200
        rebound = httpx.get(f"{url}/search", params={"q": "sciatica"}, headers={"Host": f"attacker.example:{port}"})
        assert rebound.status_code == 403 and "ASKDOCS_ALLOWED_HOSTS" in rebound.json()["error"]
        for origin in ("http://127.0.0.1:1", "http://evil.example", "null"):
            planted = httpx.post(
                f"{url}/documents", files=[("files", ("x.txt", b"planted", "text/plain"))], headers={"Origin": origin}
            )
            assert planted.status_code == 403 and "another site" in planted.json()["error"]
            assert httpx.get(f"{url}/health", headers={"Origin": origin}).status_code == 403
    assert not (seed_like_index.parent / "index-corpus" / "x.txt").exists()
    with thread_server(create_app(seed_like_index, hosts=frozenset({"127.0.0.1", "docs.example"}))) as url:
        port = url.rsplit(":", 1)[1]
        named = httpx.get(f"{url}/health", headers={"Host": f"docs.example:{port}"})
        assert named.status_code == 200


def test_error_bodies_carry_no_absolute_path(tmp_path: Path) -> None:
    with thread_server(create_app(tmp_path / "deep" / "index")) as url:
        response = get(url, "/search", q="sciatica")
    assert response.status_code == 503 and "python ingest.py" in response.json()["error"]
    assert str(tmp_path) not in response.text and "/deep" not in response.text


def test_the_api_docs_need_no_network_the_schema_is_served(small_server: Server) -> None:
    # Swagger UI and ReDoc pages load their scripts from a CDN: off; the OpenAPI schema is served.
    assert get(small_server, "/docs").status_code == 404
    assert get(small_server, "/redoc").status_code == 404
    assert "/search" in get(small_server, "/openapi.json").json()["paths"]


@pytest.fixture
def uvicorn_runs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """uvicorn.run replaced by a recorder: these tests never bind a socket, whatever the code does."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append({"app": app, **options}))
    # `serve` hands its settings to the workers in the environment; monkeypatch restores it. Set
    # first, because delenv records nothing for a variable that is not set, and `serve` may set it.
    for name in (TOKEN_ENV, INDEX_ENV, LIBRARIES_ENV, SIGN_IN_PROXY_ENV, USER_HEADER_ENV):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "askdocs.example.org"])
def test_serve_refuses_an_address_others_reach_without_a_token(
    uvicorn_runs: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], tmp_path: Path, host: str
) -> None:
    assert main(["serve", "--host", host, "--index", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "--token" in error and "Traceback" not in error
    assert uvicorn_runs == []


def test_serve_hands_workers_the_index_and_token(
    uvicorn_runs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ASKDOCS_TOKEN", TOKEN)
    assert main(["serve", "--host", "0.0.0.0", "--index", str(tmp_path), "--workers", "3"]) == 0
    [run] = uvicorn_runs
    assert (run["app"], run["factory"], run["host"], run["port"], run["workers"]) == (
        "askdocs.serve.http.app:app_from_env",
        True,
        "0.0.0.0",
        8000,
        3,
    )
    assert os.environ["ASKDOCS_INDEX"] == str(tmp_path) and os.environ["ASKDOCS_TOKEN"] == TOKEN
    assert main(["serve", "--index", str(tmp_path), "--workers", "0"]) == 2


def test_loopback_addresses() -> None:
    assert all(is_loopback(host) for host in ["127.0.0.1", "127.8.0.1", "localhost", "::1", "[::1]"])
    assert not any(is_loopback(host) for host in ["0.0.0.0", "::", "10.0.0.1", "example.org", ""])


def test_workers_serve_the_same_index(seed_like_index: Path, tmp_path: Path) -> None:
    with served(seed_like_index, tmp_path / "server.log", "--workers", "2") as server:
        deadline = time.monotonic() + 60
        while server.log.read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, server.log.read_text()
            time.sleep(0.1)
        answers = [get(server, "/search", q="what is sciatica?").json()["hits"][0]["text"] for _ in range(6)]
        assert all(text.startswith("Sciatica is pain") for text in answers)


def test_an_unexpected_error_is_a_500_without_a_traceback(
    seed_like_index: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("internal detail 1234")

    monkeypatch.setattr(Searcher, "search", broken)
    with thread_server(create_app(seed_like_index)) as url:
        response = get(url, "/search", q="sciatica")
    assert response.status_code == 500
    assert list(response.json()) == ["error"]
    assert "1234" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.name == "askdocs.serve.http.app" and r.exc_info]
    assert logged and "internal detail 1234" in str(logged[0].exc_info[1])
