"""Adding and removing documents over HTTP (api_documents.py), through real uvicorn servers on 127.0.0.1."""

from __future__ import annotations

import http.client
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.serve.cli import main
from askdocs.serve.environment import READ_ONLY_ENV
from askdocs.serve.http.app import create_app
from askdocs.serve.http.routers.documents import MAX_BODY_BYTES
from askdocs.serve.uploads import UPLOAD_LIMITS
from askdocs.settings import IndexSettings
from tests import test_http
from tests.conftest import SEED_LIKE, write_corpus
from tests.test_http import TOKEN, Server, get, served, thread_server

# The fixture that records uvicorn.run's calls instead of serving.
uvicorn_runs = test_http.uvicorn_runs
KITES = b"Box kites fly best in steady winds of fifteen knots.\n"
PILLOW = b"# Sleep\n\nA pillow between the knees eases hip pain at night.\n"
NOT_A_PDF = b"%PDF-1.4 not really"
# Long enough for an ingest of a few files on a busy 2-core machine; only a bound on a wait, not a measure.
SETTLE_SECONDS = 300


def upload(url: str, files: dict[str, bytes], headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
    return httpx.post(
        f"{url}/documents",
        files=[("files", item) for item in files.items()],
        params=params,
        headers=headers,
        timeout=60,
    )


def delete(url: str, source: str, headers: dict[str, str] | None = None, **params: str) -> httpx.Response:
    return httpx.delete(f"{url}/documents/{source}", params=params, headers=headers, timeout=60)


def settled(url: str, **params: str) -> dict[str, Any]:
    """GET /documents/status until the background ingest has finished; its last answer."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        status = get(url, "/documents/status", **params)
        assert status.status_code == 200, status.text
        if not status.json()["ingest"]["running"]:
            return status.json()
        if time.monotonic() > deadline:
            pytest.fail(f"the ingest did not finish within {SETTLE_SECONDS} s: {status.json()}")
        time.sleep(0.2)


def documents(corpus: Path) -> list[str]:
    """The corpus folder's files, without the hidden ones (the upload lock)."""
    return sorted(path.name for path in corpus.iterdir() if not path.name.startswith("."))


def cited(url: str, question: str, **params: str) -> list[str]:
    """The sources the hits cite, best hit first."""
    response = get(url, "/search", q=question, **params)
    assert response.status_code == 200, response.text
    return [c["source"] for hit in response.json()["hits"] for c in hit["citations"]]


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> tuple[Path, Path]:
    """A corpus and its index that these tests add to and remove from: (corpus, index)."""
    root = tmp_path_factory.mktemp("api-documents")
    corpus = write_corpus(root / "corpus", SEED_LIKE)
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    return corpus, root / "index"


@pytest.fixture(scope="module")
def server(corpus_index: tuple[Path, Path]) -> Iterator[Server]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(READ_ONLY_ENV, raising=False)  # a read-only setting in the caller's environment
        with served(corpus_index[1], corpus_index[0].parent / "server.log") as running:
            yield running


def test_an_upload_is_answered_after_its_ingest_and_the_same_content_again_is_a_duplicate(
    server: Server, corpus_index: tuple[Path, Path]
) -> None:
    corpus, index = corpus_index
    before = publication.current_token(index)
    response = upload(server.url, {"kites.txt": KITES})
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["files"] == [{"name": "kites.txt", "status": "saved", "saved_as": "kites.txt", "reason": ""}]
    assert body["library"] == "corpus" and set(body["ingest"]) >= {"running", "stage", "runs", "error", "finished"}
    status = settled(server.url)
    assert status["ingest"]["error"] == "" and status["ingest"]["runs"] >= 1 and status["ingest"]["finished"]
    assert status["build"] == publication.current_token(index) != before
    assert cited(server.url, "what wind do box kites need")[0] == "kites.txt"

    again = upload(server.url, {"copy of kites.txt": KITES})
    assert again.status_code == 200, again.text  # nothing new: no ingest
    assert again.json()["files"] == [
        {
            "name": "copy of kites.txt",
            "status": "duplicate",
            "saved_as": "kites.txt",
            "reason": "same content as kites.txt",
        }
    ]
    assert documents(corpus) == ["back.txt", "hips.txt", "kites.txt"]


def test_an_unreadable_upload_is_listed_in_status_until_it_is_deleted(
    server: Server, corpus_index: tuple[Path, Path]
) -> None:
    corpus = corpus_index[0]
    saved = upload(server.url, {"scan.pdf": NOT_A_PDF, "notes.md": PILLOW})
    assert saved.status_code == 202, saved.text
    assert [entry["status"] for entry in saved.json()["files"]] == ["saved", "saved"]
    unreadable = {entry["source"]: entry["reason"] for entry in settled(server.url)["unreadable"]}
    assert set(unreadable) == {"scan.pdf"} and unreadable["scan.pdf"]
    assert cited(server.url, "a pillow between the knees at night")[0] == "notes.md"

    for source in ("scan.pdf", "notes.md"):
        removed = delete(server.url, source)
        assert removed.status_code == 202, removed.text
        assert removed.json()["removed"] == source
    status = settled(server.url)
    assert status["unreadable"] == [] and status["ingest"]["error"] == ""
    assert not (corpus / "scan.pdf").exists() and not (corpus / "notes.md").exists()
    assert "notes.md" not in cited(server.url, "a pillow between the knees at night")

    gone = delete(server.url, "notes.md")
    assert gone.status_code == 404 and "notes.md" in gone.json()["error"]


@pytest.mark.parametrize(
    "source",
    ["..%2Foutside.txt", "sub%2F..%2F..%2Foutside.txt", "%2Ftmp%2Foutside.txt", ".askdocs-upload.lock", "askdocs.toml"],
)
def test_names_outside_the_library_are_refused(server: Server, corpus_index: tuple[Path, Path], source: str) -> None:
    corpus = corpus_index[0]
    outside = write_corpus(corpus.parent, {"outside.txt": "not the library's"}) / "outside.txt"
    (corpus / "askdocs.toml").write_text('title = "Health"\n')
    try:
        response = delete(server.url, source)
        assert response.status_code == 422, response.text
        assert list(response.json()) == ["error"] and f"'{unquote(source)}'" in response.json()["error"]
        assert outside.exists() and (corpus / "askdocs.toml").exists()
    finally:
        (corpus / "askdocs.toml").unlink()


def test_uploads_beyond_the_limits_are_refused_with_a_message(server: Server, corpus_index: tuple[Path, Path]) -> None:
    corpus = corpus_index[0]
    before = documents(corpus)
    refused = upload(server.url, {"setup.exe": b"MZ\x90\x00"})
    assert refused.status_code == 422 and ".exe" in refused.json()["error"]
    empty = upload(server.url, {"empty.txt": b""})
    assert empty.status_code == 422 and "empty" in empty.json()["error"]
    many = upload(server.url, {f"note{i}.txt": f"note {i}\n".encode() for i in range(UPLOAD_LIMITS.max_files + 1)})
    assert many.status_code == 413 and str(UPLOAD_LIMITS.max_files) in many.json()["error"]
    missing = httpx.post(f"{server.url}/documents", data={"other": "x"}, timeout=60)
    assert missing.status_code == 422 and "'files'" in missing.json()["error"]
    mixed = upload(server.url, {"setup.exe": b"MZ", "hips.txt": SEED_LIKE["hips.txt"].encode()})
    assert mixed.status_code == 200
    assert [entry["status"] for entry in mixed.json()["files"]] == ["refused", "duplicate"]
    assert documents(corpus) == before


def test_a_body_over_the_limit_is_refused_before_it_is_sent(server: Server) -> None:
    connection = http.client.HTTPConnection(server.url.removeprefix("http://"), timeout=60)
    try:
        connection.putrequest("POST", "/documents")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        connection.endheaders()  # and no body: the answer must not wait for it
        response = connection.getresponse()
        assert response.status == 413 and b"add them in parts" in response.read()
    finally:
        connection.close()


def test_read_only_refuses_writes_and_the_token_guards_them(corpus_index: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, index = corpus_index
    good = {"Authorization": f"Bearer {TOKEN}"}
    with served(index, tmp_path / "server.log", "--read-only", "--token", TOKEN) as server:
        assert upload(server.url, {"kites2.txt": b"Kites.\n"}).status_code == 401
        assert delete(server.url, "hips.txt").status_code == 401
        for response in (upload(server.url, {"kites2.txt": b"Kites.\n"}, good), delete(server.url, "hips.txt", good)):
            assert response.status_code == 403
            assert "read-only" in response.json()["error"]
        status = httpx.get(f"{server.url}/documents/status", headers=good)
        assert status.status_code == 200 and status.json()["ingest"]["runs"] == 0
    assert (corpus / "hips.txt").exists() and not (corpus / "kites2.txt").exists()


def test_a_token_guards_writes_that_then_work(make_index: Any) -> None:
    index = make_index(SEED_LIKE)
    with thread_server(create_app(index, token=TOKEN)) as url:
        assert upload(url, {"a.exe": b"MZ"}).status_code == 401
        assert delete(url, "hips.txt").status_code == 401
        answer = upload(url, {"a.exe": b"MZ"}, {"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 422 and ".exe" in answer.json()["error"]


def test_without_a_usable_index_or_its_corpus_folder_writes_are_503_naming_the_command(
    make_index: Any, tmp_path: Path
) -> None:
    with thread_server(create_app(tmp_path / "nowhere")) as url:
        for response in (upload(url, {"kites.txt": KITES}), delete(url, "hips.txt"), get(url, "/documents/status")):
            assert response.status_code == 503 and "python ingest.py --index" in response.json()["error"]
    index = make_index(SEED_LIKE)
    (tmp_path / "index-corpus").rename(tmp_path / "moved")
    with thread_server(create_app(index)) as url:
        response = upload(url, {"kites.txt": KITES})
        assert (
            response.status_code == 503 and f"python ingest.py --corpus DIR --index {index}" in response.json()["error"]
        )
    assert not (tmp_path / "index-corpus").exists()  # not re-created: an ingest of it would empty the index


def test_with_libraries_lib_is_required_and_only_that_library_changes(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    for name, files in (("health", SEED_LIKE), ("kites", {"kites.md": "# Flying\n\nBox kites like steady wind.\n"})):
        write_corpus(root / name, files)
        build_index(root / name, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    tea = {"tea.md": b"# Tea\n\nGreen tea steeps for two minutes at eighty degrees.\n"}
    with served(None, tmp_path / "server.log", "--libraries", str(root)) as server:
        missing = upload(server.url, tea)
        assert (
            missing.status_code == 422 and "'lib'" in missing.json()["error"] and "'all'" not in missing.json()["error"]
        )
        for response in (upload(server.url, tea, lib="all"), delete(server.url, "hips.txt", lib="all")):
            assert response.status_code == 422 and "lib=NAME" in response.json()["error"]
        unknown = upload(server.url, tea, lib="nope")
        assert unknown.status_code == 404 and "health, kites" in unknown.json()["error"]

        saved = upload(server.url, tea, lib="kites")
        assert saved.status_code == 202 and saved.json()["library"] == "kites"
        assert settled(server.url, lib="kites")["ingest"]["runs"] >= 1
        assert settled(server.url, lib="health")["ingest"]["runs"] == 0
        question = "how long does green tea steep"
        assert cited(server.url, question, lib="kites")[0] == "tea.md"
        assert "tea.md" not in cited(server.url, question, lib="health")
        assert (root / "kites" / "tea.md").exists() and not (root / "health" / "tea.md").exists()
        assert delete(server.url, "tea.md", lib="health").status_code == 404
        assert (root / "kites" / "tea.md").exists()

        schema = get(server, "/openapi.json").json()
        assert {"/documents", "/documents/status", "/documents/{source}"} <= set(schema["paths"])
        parameters = {p["name"] for p in schema["paths"]["/documents"]["post"]["parameters"]}
        assert parameters == {"lib"}
        assert "multipart/form-data" in schema["paths"]["/documents"]["post"]["requestBody"]["content"]


def test_serve_read_only_reaches_the_workers(
    uvicorn_runs: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(READ_ONLY_ENV, "")  # so that monkeypatch restores it after `serve` sets it
    assert main(["serve", "--index", str(tmp_path), "--read-only"]) == 0
    assert os.environ[READ_ONLY_ENV] == "1"
    monkeypatch.setenv(READ_ONLY_ENV, "0")
    assert main(["serve", "--index", str(tmp_path)]) == 0
    assert READ_ONLY_ENV not in os.environ
    monkeypatch.setenv(READ_ONLY_ENV, "1")  # as for the page: the environment alone makes it read-only
    assert main(["serve", "--index", str(tmp_path)]) == 0
    assert os.environ[READ_ONLY_ENV] == "1"
    assert len(uvicorn_runs) == 3
