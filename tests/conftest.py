"""Shared fixtures: the real model, loaded once, and small real indexes built in tmp folders."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from askdocs.encoders import Encoder, load_encoder
from askdocs.index import publication
from askdocs.index.build_folder import MANIFEST
from askdocs.ingest.pipeline import build_index
from askdocs.settings import DEFAULT_MODEL, IndexSettings

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The int8 model is exported afresh into a folder of this session's own (subprocesses inherit it),
# so every run checks the export a fresh machine does.
os.environ["ASKDOCS_CACHE"] = tempfile.mkdtemp(prefix="askdocs-test-cache-")

SEED_LIKE = {
    "hips.txt": (
        "Hip bursitis is inflammation of the fluid-filled sacs on the outside of the hip; icing the joint four times a day eases it.\n"
        "\n"
        "Vertebroplasty injects bone cement into a compressed vertebra to stabilise fractures caused by osteoporosis.\n"
        "Sciatica is pain that radiates along the sciatic nerve from the lower back down the back of each leg.\n"
    ),
    "back.txt": (
        "Chronic back pain is defined as pain that persists for twelve weeks or longer.\n"
        "Vertebroplasty injects bone cement into a compressed vertebra to stabilise fractures caused by osteoporosis.\n"
        "\n"
        "Sleeping on a medium-firm mattress is better for chronic low back pain than a firm one.\n"
    ),
}


def write_corpus(folder: Path, files: dict[str, str | bytes]) -> Path:
    """Create a corpus folder holding the given files."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Ask a server process to stop; kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def edited_manifest(index: Path) -> Iterator[dict[str, Any]]:
    """The live build's manifest as JSON, written back on leaving the block (no checksum covers the manifest)."""
    path = publication.live_build(index) / MANIFEST
    data = json.loads(path.read_text(encoding="utf-8"))
    yield data
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture(scope="session", autouse=True)
def _remove_export_cache() -> Iterator[None]:
    yield
    shutil.rmtree(os.environ["ASKDOCS_CACHE"], ignore_errors=True)


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """The bundled all-MiniLM-L6-v2 with the default encoder (int8), loaded once for the whole session."""
    return load_encoder(DEFAULT_MODEL, IndexSettings().encoder)


@pytest.fixture
def make_index(tmp_path: Path, encoder: Encoder) -> Callable[..., Path]:
    """Build a real index from the given files; returns the index folder."""

    def make(files: dict[str, str | bytes], name: str = "index", settings: IndexSettings | None = None) -> Path:
        corpus = write_corpus(tmp_path / f"{name}-corpus", files)
        index = tmp_path / name
        build_index(corpus, index, settings or IndexSettings(), encoder=encoder)
        return index

    return make


@pytest.fixture(scope="session")
def seed_like_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """A small index shared by read-only tests."""
    root = tmp_path_factory.mktemp("seedlike")
    corpus = write_corpus(root / "corpus", SEED_LIKE)
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    return root / "index"


@pytest.fixture(scope="session")
def seed_corpus_index(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> tuple[Path, Path]:
    """A copy of the real seed corpus and its index, shared by read-only tests: (corpus, index)."""
    root = tmp_path_factory.mktemp("seeds")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    build_index(root / "corpus", root / "index", IndexSettings(), encoder=encoder)
    return root / "corpus", root / "index"


def make_pdf(pages: list[str]) -> bytes:
    """A minimal real PDF with one text page per string (lines split on newlines)."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(len(pages)))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>")
    font = 3 + 2 * len(pages)
    for i, text in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>"
        )
        stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in text.split("\n")) + " ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright (the browser tests skip when it is missing)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # A name resolving to this machine that is not the server's own (DNS rebinding).
                "--host-resolver-rules=MAP rebound.test 127.0.0.1",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab, 1100x1400."""
    context = browser.new_context(viewport={"width": 1100, "height": 1400})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
