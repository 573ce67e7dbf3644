"""Uploads: safe names, limits, duplicates by content, concurrent saves, removal, and the background ingest."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.libraries import single_library
from askdocs.search.searcher import Searcher
from askdocs.serve.background import BackgroundIngest, IngestStatus
from askdocs.serve.uploads import (
    DocumentMissingError,
    DocumentRefusedError,
    NotADocumentError,
    UploadLimits,
    UploadRefusedError,
    remove_file,
    safe_name,
    save_uploads,
)
from askdocs.settings import IndexSettings
from tests.conftest import SEED_LIKE, write_corpus


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("notes.md", "notes.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\Report FINAL.PDF", "Report FINAL.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("a<b>|c?.txt", "a_b_c.txt"),
        ("Cafe\u0301 notes.txt", "Caf\u00e9 notes.txt"),  # one form of é, whatever the browser sent
        ("bell\x07.txt", "bell.txt"),
        ("x" * 300 + ".txt", "x" * 116 + ".txt"),
    ],
)
def test_safe_name(given: str, safe: str) -> None:
    assert safe_name(given) == safe


@pytest.mark.parametrize("given", ["README", "program.exe", "...", "/", "archive.tar.gz"])
def test_safe_name_refuses_what_askdocs_cannot_read(given: str) -> None:
    with pytest.raises(UploadRefusedError):
        safe_name(given)


def test_save_detects_duplicates_limits_and_keeps_both_names(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "alpha\n"})
    results = save_uploads(
        corpus,
        [
            ("a.txt", b"beta\n"),  # same name, new content: kept beside the first
            ("copy.txt", b"alpha\n"),  # same content as a.txt: not added
            ("big.txt", b"x" * 11),
            ("empty.txt", b""),
            ("askdocs.toml", b'title = "x"\n'),
            ("b.txt", b"beta\n"),  # same content as the upload before it
        ],
        UploadLimits(max_file_bytes=10, max_files=10),
    )
    assert [(r.status, r.saved_as) for r in results] == [
        ("saved", "a (2).txt"),
        ("duplicate", "a.txt"),
        ("refused", ""),
        ("refused", ""),
        ("refused", ""),
        ("duplicate", "a (2).txt"),
    ]
    assert "10-byte limit" in results[2].reason
    assert sorted(p.name for p in corpus.iterdir()) == [".askdocs-upload.lock", "a (2).txt", "a.txt"]
    assert (corpus / "a.txt").read_text() == "alpha\n"
    with pytest.raises(UploadRefusedError, match="in parts"):
        save_uploads(corpus, [("x.txt", b"x")] * 3, UploadLimits(max_files=2))


def test_two_people_uploading_at_once_lose_nothing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    barrier = threading.Barrier(8)

    def upload(person: int) -> None:
        barrier.wait()
        # Everyone uses the same name; half of them send content someone else sends too.
        save_uploads(
            corpus, [("report.txt", f"report {person % 4}\n".encode()), (f"own-{person}.txt", f"{person}\n".encode())]
        )

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    texts = sorted(p.read_text() for p in corpus.glob("report*.txt"))
    assert texts == [f"report {i}\n" for i in range(4)]
    assert len(list(corpus.glob("own-*.txt"))) == 8
    assert not list(corpus.glob(".upload-*"))


def test_remove_file_only_removes_documents_inside_the_library(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"a.txt": "a\n", "sub/b.txt": "b\n", ".hidden": "h"})
    (tmp_path / "outside.txt").write_text("keep")
    (corpus / "askdocs.toml").write_text('title = "x"\n')
    for bad in ["../outside.txt", "/etc/passwd", ".hidden", "sub", "missing.txt", "", "askdocs.toml"]:
        with pytest.raises(DocumentRefusedError):
            remove_file(corpus, bad)
    # Gone (or never there) is told apart from a name that cannot be a document: the API's 404 and 422.
    with pytest.raises(DocumentMissingError):
        remove_file(corpus, "missing.txt")
    assert (corpus / "askdocs.toml").exists()
    # Names are compared after normalisation (issue #25: these deleted the settings file), and a NUL
    # byte or an over-long name is a refusal, not an error from the file system.
    for variant in ("askdocs.toml/", "./askdocs.toml", "askdocs.toml/.", ".//askdocs.toml", "sub/../askdocs.toml"):
        with pytest.raises(NotADocumentError):
            remove_file(corpus, variant)
    assert (corpus / "askdocs.toml").exists()
    for hostile in (
        "a.txt\x00.pdf",
        "x" * 300 + ".txt",
        "d/" * 3000 + "a.txt",
        ".askdocs-index/x",
        ".askdocs-upload.lock",
    ):
        with pytest.raises(NotADocumentError):
            remove_file(corpus, hostile)
    assert (corpus / "a.txt").exists()
    remove_file(corpus, "sub/b.txt")
    assert not (corpus / "sub" / "b.txt").exists()
    assert (tmp_path / "outside.txt").exists()


def finished(ingest: BackgroundIngest, timeout: float) -> IngestStatus:
    """The ingest's status once no ingest runs (or after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while ingest.status().running and time.monotonic() < deadline:
        time.sleep(0.05)
    return ingest.status()


def test_background_ingest_makes_an_upload_answerable(tmp_path: Path, encoder: Encoder) -> None:
    from askdocs.ingest.pipeline import build_index

    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    index = tmp_path / "index"
    build_index(corpus, index, IndexSettings(), encoder=encoder)
    before = publication.current_token(index)
    ingest = BackgroundIngest(single_library(corpus, index), IndexSettings())
    saved = save_uploads(corpus, [("kites.txt", b"Box kites fly best in steady winds of fifteen knots.\n")])
    assert saved[0].status == "saved"
    ingest.request()
    ingest.request()  # asked again while running: served by at most one more ingest
    status = finished(ingest, timeout=300)
    assert not status.running and not status.error and 1 <= status.runs <= 2
    assert publication.current_token(index) != before
    hit = Searcher.load(index).search("what wind do box kites need", k=1)[0]
    assert hit.citations[0].source == "kites.txt"

    (corpus / "askdocs.toml").write_text("title = 3\n")  # a broken settings file: the ingest fails, the build stays
    live = publication.current_token(index)
    ingest.request()
    status = finished(ingest, timeout=300)
    assert "askdocs.toml" in status.error
    assert publication.current_token(index) == live
