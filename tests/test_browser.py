"""The real page in a real headless Chromium (Debian's), driven with Playwright."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from askdocs.encoders import Encoder
from tests.conftest import ROOT, SEED_LIKE, stop_process

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"
EVIL = (
    "Spine safety warning: <script>window.__pwned = 1</script> ignore [click for spine tips](javascript:alert(1)) "
    'and <img src=x onerror="window.__pwned=2"> **bold claims** about spine surgery recovery.\n'
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def page_server(*page_args: str, script: str = "app.py") -> Iterator[str]:
    """`streamlit run SCRIPT -- PAGE_ARGS` on a free loopback port; its URL, until the block ends."""
    port = free_port()
    # The server's output goes to a file: a pipe nobody reads fills up and stalls the server.
    ARTIFACTS.mkdir(exist_ok=True)
    log_path = ARTIFACTS / f"streamlit-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / script),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--",
            *page_args,
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        log.close()
        pytest.fail(f"streamlit did not start: {log_path.read_text(errors='replace')[-2000:]}")
    try:
        yield url
    finally:
        stop_process(process)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[str]:
    from askdocs.ingest.pipeline import build_index
    from askdocs.settings import IndexSettings
    from tests.conftest import write_corpus

    root = tmp_path_factory.mktemp("browser")
    corpus = write_corpus(root / "corpus", {**SEED_LIKE, "evil.txt": EVIL})
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    with page_server("--index", str(root / "index")) as url:
        yield url


def ask(page, question: str) -> None:
    box = page.get_by_label("Ask a question")
    box.fill(question)
    box.press("Enter")


def test_typing_a_question_shows_the_passage_and_its_citation(server: str, page) -> None:
    page.goto(server)
    ask(page, "what is sciatica?")
    page.get_by_text("Sciatica is pain that radiates", exact=False).first.wait_for()
    page.get_by_text("hips.txt, line 4").first.wait_for()
    expect(page).to_have_url(re.compile(r"q=what"), timeout=60_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)


def test_q_link_opens_with_the_question_answered(server: str, page) -> None:
    page.goto(f"{server}/?q={quote('how long until back pain is chronic')}")
    page.get_by_text("Chronic back pain is defined", exact=False).first.wait_for()
    expect(page.get_by_label("Ask a question")).to_have_value("how long until back pain is chronic", timeout=60_000)


def test_script_and_javascript_link_in_a_passage_show_as_plain_text(server: str, page) -> None:
    page.goto(f"{server}/?q={quote('spine safety warning tips')}")
    page.get_by_text("<script>window.__pwned = 1</script>", exact=False).first.wait_for()
    page.get_by_text("[click for spine tips](javascript:alert(1))", exact=False).first.wait_for()
    page.get_by_text("**bold claims**", exact=False).first.wait_for()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("img[src='x']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "escaped.png"), full_page=True)


def test_narrow_phone_window_still_answers(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{server}/?q={quote('what is sciatica?')}")
    page.get_by_text("Sciatica is pain that radiates", exact=False).first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400
    context.close()


MANUAL = (
    "# Setting up the router\n\nHow do I reset the router to factory settings? Hold the reset button for ten "
    "seconds until the lights blink.\n"
)


@pytest.fixture(scope="module")
def libraries_server(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[tuple[str, Path]]:
    """A folder of two libraries: `health` (with askdocs.toml and its notice) and `manuals` (no settings)."""
    from askdocs.ingest.pipeline import build_index
    from askdocs.libraries import INDEX_FOLDER
    from askdocs.settings import IndexSettings
    from tests.conftest import write_corpus

    root = tmp_path_factory.mktemp("libraries")
    write_corpus(root / "health", {**SEED_LIKE, "askdocs.toml": 'notice = "Not medical advice."\n'})
    write_corpus(root / "manuals", {"router.md": MANUAL})
    for name in ("health", "manuals"):
        build_index(root / name, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    with page_server("--libraries", str(root)) as url:
        yield url, root


def test_lib_link_and_picker_switch_libraries(libraries_server: tuple[str, Path], page) -> None:
    url, _ = libraries_server
    page.goto(f"{url}/?lib=manuals&q={quote('how do I reset the router')}")
    page.get_by_text("Hold the reset button", exact=False).first.wait_for()
    # A library without settings: its folder's name, no notice, nothing from the other library.
    page.get_by_role("heading", name="manuals").wait_for()
    assert page.get_by_text("Not medical advice").count() == 0
    assert page.get_by_text("hips.txt").count() == 0
    page.get_by_label("Library").first.click()
    page.get_by_role("option", name="health").click()
    expect(page).to_have_url(re.compile(r"lib=health"), timeout=60_000)
    page.get_by_text("Not medical advice", exact=False).first.wait_for()
    ask(page, "what is sciatica?")
    page.get_by_text("hips.txt, line 4").first.wait_for()
    # Until the rerun ends, the previous library's results may still be on screen, faded.
    expect(page.get_by_text("router.md")).to_have_count(0, timeout=30_000)


def test_upload_then_ask_cites_the_new_file(libraries_server: tuple[str, Path], page, tmp_path: Path) -> None:
    url, root = libraries_server
    upload = tmp_path / "kites.txt"
    upload.write_text("Box kites fly best in steady winds of fifteen knots.\n", encoding="utf-8")
    page.goto(f"{url}/?lib=manuals")
    page.get_by_text("Add or remove documents").click()
    started = time.perf_counter()
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Add to the library").click()
    page.get_by_text("Added kites.txt", exact=False).first.wait_for()
    # The page reloads itself when the background ingest publishes; then the new file answers.
    page.get_by_text("The library is up to date", exact=False).first.wait_for(timeout=120_000)
    ask(page, "what wind do box kites need")
    page.get_by_text("kites.txt, line 1").first.wait_for()
    seconds = time.perf_counter() - started
    assert (root / "manuals" / "kites.txt").read_text(encoding="utf-8").startswith("Box kites")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "upload-to-answer.txt").write_text(f"{seconds:.2f} s from the file chooser to the cited answer\n")
    print(f"upload -> cited answer: {seconds:.2f} s")
    page.screenshot(path=str(ARTIFACTS / "upload.png"), full_page=True)


def test_upload_reports_duplicates_and_files_it_cannot_read(
    libraries_server: tuple[str, Path], page, tmp_path: Path
) -> None:
    url, root = libraries_server
    broken, copy = tmp_path / "scan.pdf", tmp_path / "router copy.md"
    broken.write_bytes(b"%PDF-1.4 this is not really a PDF")
    copy.write_text(MANUAL, encoding="utf-8")  # the same content as the library's router.md
    page.goto(f"{url}/?lib=manuals")
    page.get_by_text("Add or remove documents").click()
    page.locator("input[type=file]").set_input_files([str(broken), str(copy)])
    page.get_by_role("button", name="Add to the library").click()
    page.get_by_text("router copy.md is already in the library as router.md", exact=False).first.wait_for()
    page.get_by_text("scan.pdf was added but cannot be searched", exact=False).first.wait_for(timeout=120_000)
    assert (root / "manuals" / "scan.pdf").exists() and not (root / "manuals" / "router copy.md").exists()


def test_a_page_reached_by_another_host_name_is_refused(server: str, page) -> None:
    """DNS rebinding: a name that resolves to this machine is not this server's; the page refuses it."""
    port = server.rsplit(":", 1)[1]
    page.goto(f"http://rebound.test:{port}/")
    refusal = page.get_by_text("does not answer to the host name")
    refusal.wait_for()
    assert "rebound.test" in refusal.inner_text()
    assert page.get_by_label("Ask a question").count() == 0
    page.screenshot(path=str(ARTIFACTS / "rebound-refused.png"))


ATTACKER_PAGE = """<!doctype html><title>cute cats</title><script>
const form = new FormData();
form.append("files", new Blob(["planted by another site"], {type: "text/plain"}), "planted.txt");
fetch("%s/documents", {method: "POST", body: form, mode: "no-cors"})
  .then(() => { document.title = "sent"; }, () => { document.title = "sent"; });
</script>"""


def test_another_sites_page_cannot_plant_a_file_through_the_api(page, make_index, tmp_path: Path) -> None:
    """Issue #25: a page on another localhost port planted a file with fetch; its Origin is refused now."""
    import http.server
    import threading

    from askdocs.serve.http.app import create_app
    from tests.test_http import thread_server

    index = make_index(SEED_LIKE)
    corpus = index.parent / "index-corpus"
    with thread_server(create_app(index)) as api:
        attacker = (ATTACKER_PAGE % api).encode()

        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(attacker)

            def log_message(self, *args: object) -> None:
                pass

        site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
        threading.Thread(target=site.serve_forever, daemon=True).start()
        try:
            page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
            expect(page).to_have_title("sent")
        finally:
            site.shutdown()
    assert not (corpus / "planted.txt").exists()
    assert not list(corpus.glob(".upload-*"))
