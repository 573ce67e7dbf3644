"""Adding and removing documents over HTTP (serve/http/routers/documents.py), through real uvicorn servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import itertools
import os
import select
import shutil
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
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
from askdocs.serve.http.routers import documents as documents_router
from askdocs.serve.http.routers.documents import MAX_BODY_BYTES
from askdocs.serve.uploads import UPLOAD_LIMITS, UploadLimits
from askdocs.settings import IndexSettings
from tests import test_http
from tests.conftest import SEED_LIKE, write_corpus
from tests.test_http import TOKEN, Server, get, served, thread_server

# The fixture that records uvicorn.run's calls instead of serving.
uvicorn_runs = test_http.uvicorn_runs
KITES = b"Box kites fly best in steady winds of fifteen knots.\n"
PILLOW = b"# Sleep\n\nA pillow between the knees eases hip pain at night.\n"
NOT_A_PDF = b"%PDF-1.4 not really"
BOUNDARY = "askdocs-test-boundary"
FORM = f"multipart/form-data; boundary={BOUNDARY}"
CLOSING = f"--{BOUNDARY}--\r\n".encode()
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


def part(name: str, data: bytes = b"") -> bytes:
    """One `files` part of a FORM body, its bytes included (send more of them after it to make it longer)."""
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n\r\n'
    return head.encode() + data + (b"\r\n" if data else b"")


def exchange(url: str, headers: dict[str, str], pieces: Iterable[bytes]) -> tuple[int, bytes, int, bool]:
    """POST /documents over a raw socket (a client library would frame the body itself), the body sent
    piece by piece until the server answers or stops reading: (status, body, bytes of body sent, whether
    the server then closed the connection)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    lines = ["POST /documents HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sent = 0
        for piece in pieces:
            if select.select([sock], [], [], 0)[0]:
                break  # answered (or closed) before the body was all sent
            try:
                sock.sendall(piece)
            except OSError:  # reset or timed out: the server reads no more of it
                break
            sent += len(piece)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        sock.settimeout(10)  # a connection kept open would leave recv waiting
        try:
            closed = sock.recv(1) == b""
        except ConnectionResetError:
            closed = True
        except TimeoutError:
            closed = False
        return response.status, body, sent, closed


def leftovers(corpus: Path) -> list[str]:
    """Temporary upload files left in the corpus folder."""
    return sorted(path.name for path in corpus.glob(".upload-*"))


def wait_until(ready: Callable[[], bool], what: Callable[[], object]) -> None:
    """Poll `ready` for up to a minute; `what` says what was seen when it never came."""
    deadline = time.monotonic() + 60
    while not ready():
        assert time.monotonic() < deadline, what()
        time.sleep(0.01)


def largest_leftover(corpus: Path) -> int:
    """The size of the largest temporary upload file in the corpus folder now (0: none)."""
    sizes = [0]
    for path in corpus.glob(".upload-*"):
        with contextlib.suppress(FileNotFoundError):  # removed between the listing and the look
            sizes.append(path.stat().st_size)
    return max(sizes)


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
            response.status_code == 503
            and f"python ingest.py --corpus DIR --index {index.name}" in response.json()["error"]
            and str(tmp_path) not in response.text  # no absolute path of the server's in a body (issue #25)
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


def test_a_chunked_body_behind_a_small_content_length_is_refused_unread(
    server: Server, corpus_index: tuple[Path, Path]
) -> None:
    corpus = corpus_index[0]
    before = documents(corpus)
    data = part("smuggled.txt", KITES * 1200)  # 64 kB of a valid file part, repeated as chunks
    frame = b"%x\r\n%s\r\n" % (len(data), data)
    # 128 MB, over a million times the declared 100 bytes, and more than the socket buffers on both
    # sides hold (Linux's largest: 32 + 4 MB), so the client cannot send half of it to a server not reading it.
    frames = 2000
    headers = {"Content-Type": FORM, "Content-Length": "100", "Transfer-Encoding": "chunked"}
    status, body, sent, closed = exchange(server.url, headers, itertools.repeat(frame, frames))
    assert status == 411 and b"no Transfer-Encoding" in body, body
    # Answered, and the connection closed, while the client still had most of the body to send.
    assert closed and sent < frames * len(frame) // 2, sent
    assert documents(corpus) == before and leftovers(corpus) == []


def test_a_body_longer_than_its_content_length_is_refused(server: Server, corpus_index: tuple[Path, Path]) -> None:
    corpus = corpus_index[0]
    before = documents(corpus)
    form = part("longer.txt", b"Kites need a tail in gusty wind.\n") + CLOSING
    declared = len(form) - len(CLOSING)  # the closing boundary, and a megabyte, come after it
    headers = {"Content-Type": FORM, "Content-Length": str(declared)}
    # uvicorn frames the body by its Content-Length: the form it hands over has no end, and nothing is saved.
    status, body, _, closed = exchange(server.url, headers, [form + b"x" * 1_000_000])
    assert status == 400 and b"closing boundary" in body and closed, body
    assert documents(corpus) == before and leftovers(corpus) == []

    # A server that hands over the whole body: the app counts the bytes itself.
    index = corpus_index[1]

    async def lax_server() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(index))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return await client.post("/documents", content=form + b"x" * 1_000_000, headers=headers)

    answer = asyncio.run(lax_server())
    assert answer.status_code == 400 and "longer than its Content-Length" in answer.json()["error"]
    assert documents(corpus) == before and leftovers(corpus) == []


def test_more_files_than_an_upload_may_add_are_refused_as_the_one_too_many_starts(
    server: Server, corpus_index: tuple[Path, Path]
) -> None:
    corpus = corpus_index[0]
    before = documents(corpus)
    count = 1500  # 96 MB: half of it is more than the 51 parts (3.3 MB) and both socket buffers hold
    parts = (part(f"many{i:04}.txt", b"%04d\n" % i + KITES * 1200) for i in range(count))  # 64 kB each
    length = count * len(part("many0000.txt", b"0000\n" + KITES * 1200)) + len(CLOSING)
    status, body, sent, closed = exchange(
        server.url, {"Content-Type": FORM, "Content-Length": str(length)}, itertools.chain(parts, [CLOSING])
    )
    assert status == 413 and f"more than {UPLOAD_LIMITS.max_files} files".encode() in body, body
    assert closed and sent < length // 2, sent  # the parts after the 51st were not read
    assert documents(corpus) == before and leftovers(corpus) == []


def test_a_client_gone_mid_upload_leaves_no_temporary_file(server: Server, corpus_index: tuple[Path, Path]) -> None:
    corpus = corpus_index[0]
    before = documents(corpus)
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    form = part("gone.txt", KITES * 1200) + part("half.txt", KITES * 600)
    head = (
        f"POST /documents HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: {FORM}\r\nContent-Length: 10000000\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=60) as sock:
        sock.sendall(head.encode() + form)
        # Both files are streaming into the corpus folder when the client goes.
        wait_until(lambda: len(leftovers(corpus)) == 2, lambda: leftovers(corpus))
    wait_until(lambda: not leftovers(corpus), lambda: leftovers(corpus))  # the server saw it go
    assert documents(corpus) == before


def test_a_file_over_the_limit_mid_upload_is_refused_as_it_streams(
    make_index: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cap = 256_000
    monkeypatch.setattr(documents_router, "UPLOAD_LIMITS", UploadLimits(max_file_bytes=cap))
    index = make_index(SEED_LIKE)
    corpus = index.parent / "index-corpus"
    piece, pieces = b"Gusts lift a kite; lulls drop it.\n" * 1900, 512  # 33 MB: 129 times the limit
    first, last = part("first.txt", KITES), part("last.txt", PILLOW)
    length = len(first) + len(part("huge.txt")) + len(piece) * pieces + 2 + len(last) + len(CLOSING)
    seen: dict[str, int] = {"largest": 0}

    def body() -> Iterator[bytes]:
        yield first + part("huge.txt")
        for index in range(pieces):
            if index == 2:  # huge.txt streams to disk as it arrives, until it passes the limit
                wait_until(lambda: largest_leftover(corpus) >= len(piece), lambda: leftovers(corpus))
            seen["largest"] = max(seen["largest"], largest_leftover(corpus))
            yield piece
        yield b"\r\n" + last
        # Once last.txt streams in, huge.txt has been read to its end: measure before the upload is
        # saved (and an ingest starts in this process).
        wait_until(lambda: len(leftovers(corpus)) == 2, lambda: leftovers(corpus))  # first and last.txt only
        seen["peak"] = tracemalloc.get_traced_memory()[1] - seen["start"]
        tracemalloc.stop()
        yield CLOSING

    with thread_server(create_app(index)) as url:
        tracemalloc.start()
        try:
            seen["start"] = tracemalloc.get_traced_memory()[0]
            answer = httpx.post(
                f"{url}/documents",
                content=body(),
                headers={"Content-Type": FORM, "Content-Length": str(length)},
                timeout=120,
            )
        finally:
            tracemalloc.stop()
        assert answer.status_code == 202, answer.text
        assert [(f["name"], f["status"]) for f in answer.json()["files"]] == [
            ("first.txt", "saved"),
            ("huge.txt", "refused"),
            ("last.txt", "saved"),
        ]
        assert f"larger than the {cap:,}-byte limit" in answer.json()["files"][1]["reason"]
        settled(url)  # the ingest of this process ends before the test does
    # Python's allocations in the whole process (server thread and client) grew by under 3 MB (chunks in
    # flight, read buffers, imports), whatever the file's size; on disk, never more than the limit.
    assert seen["peak"] < len(piece) * pieces // 4, seen
    assert len(piece) <= seen["largest"] <= cap, seen
    assert documents(corpus) == sorted([*SEED_LIKE, "first.txt", "last.txt"]) and leftovers(corpus) == []


@pytest.mark.parametrize("source", ["a%00b.txt", "x" * 300 + ".txt", "d%2F" * 3000 + "a.txt"])
def test_a_nul_byte_or_an_overlong_name_is_a_422_not_a_500(server: Server, source: str) -> None:
    response = delete(server.url, source)
    assert response.status_code == 422, response.text
    assert list(response.json()) == ["error"] and "Traceback" not in response.text


@pytest.mark.parametrize("source", ["askdocs.toml%2F", ".%2Faskdocs.toml", "%2e%2Faskdocs.toml", "askdocs.toml%2F."])
def test_every_spelling_of_the_settings_file_is_refused(
    server: Server, corpus_index: tuple[Path, Path], source: str
) -> None:
    """Issue #25: these deleted the library's settings file; names are compared after normalisation."""
    corpus = corpus_index[0]
    (corpus / "askdocs.toml").write_text('title = "Health"\n')
    try:
        response = delete(server.url, source)
        assert response.status_code == 422, response.text
        assert "settings file" in response.json()["error"]
        assert (corpus / "askdocs.toml").exists()
    finally:
        (corpus / "askdocs.toml").unlink()


def test_uploads_during_a_publish_loop_are_all_saved_and_none_fails(make_index: Any, tmp_path: Path) -> None:
    """Issue #25: an upload that gets a 2xx is saved, and none fails while builds are being published
    (before, 3 of about 25 got '503 could not open .../vectors.faiss' and were not saved)."""
    index = make_index(SEED_LIKE)
    corpus = tmp_path / "index-corpus"
    stop = threading.Event()
    published = []

    def publish_loop() -> None:
        # New builds as fast as back-to-back ingests publish them (a copy of the live one, under the lock).
        while not stop.is_set():
            with publication.ingest_lock(index, wait=120):
                copy = publication.new_build_dir(index)
                shutil.copytree(publication.live_build(index), copy, dirs_exist_ok=True)
                publication.publish(index, copy)
                published.append(copy.name)
            time.sleep(0.3)

    count = 200
    with thread_server(create_app(index)) as url:
        loop = threading.Thread(target=publish_loop, daemon=True)
        loop.start()
        try:
            with ThreadPoolExecutor(4) as clients:
                answers = list(
                    clients.map(
                        lambda n: upload(
                            url, {f"note-{n:03d}.txt": f"Note {n}: the spare key {n} is in drawer.\n".encode()}
                        ),
                        range(count),
                    )
                )
        finally:
            stop.set()
            loop.join(timeout=120)
        settled(url)
    statuses = [answer.status_code for answer in answers]
    assert len(published) >= 5  # builds really were published throughout
    assert not [s for s in statuses if s >= 500] and all(200 <= s < 300 for s in statuses), sorted(set(statuses))
    saved = sorted(path.name for path in corpus.glob("note-*.txt"))
    assert saved == [f"note-{n:03d}.txt" for n in range(count)]
