"""The README's viewer screenshots, taken from the real page in headless Chromium.

    python bench/viewer_screenshots.py  # needs Debian's libtasn1-doc and valgrind (their manuals)

Builds a library of the libtasn1 manual (PDF) and the Valgrind manual (HTML), serves the page on a
loopback port, asks one question per manual, presses Open on the best answer and saves the dialog
to docs/screenshot-viewer-pdf.png and docs/screenshot-viewer-html.png.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from askdocs.ingest.pipeline import build_index  # noqa: E402
from askdocs.settings import IndexSettings  # noqa: E402
from tests.test_browser import CHROMIUM, page_server  # noqa: E402

MANUALS = {
    "libtasn1.pdf": Path("/usr/share/doc/libtasn1-doc/libtasn1.pdf"),
    "valgrind": Path("/usr/share/doc/valgrind/html"),
}
SHOTS = {
    "screenshot-viewer-pdf.png": "how do I decode a DER encoded structure",
    "screenshot-viewer-html.png": "how do I find memory leaks in my program",
}


def main() -> None:
    """Build, serve, ask, open and save."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "manuals"
        corpus.mkdir()
        shutil.copy(MANUALS["libtasn1.pdf"], corpus / "libtasn1.pdf")
        shutil.copytree(MANUALS["valgrind"], corpus / "valgrind", ignore=shutil.ignore_patterns("*.png", "*.css"))
        build_index(corpus, Path(scratch) / "index", IndexSettings())
        with page_server("--index", str(Path(scratch) / "index")) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.set_default_timeout(120_000)
            for name, question in SHOTS.items():
                page.goto(f"{url}/?q={quote(question)}")
                page.get_by_text("Best answer").wait_for()
                page.locator('[data-testid="stButton"] button', has_text="Open").first.click()
                dialog = page.get_by_role("dialog")
                dialog.wait_for()
                dialog.locator("img, .askdocs-view").first.wait_for()
                page.wait_for_timeout(1000)
                page.screenshot(path=str(ROOT / "docs" / name))
                print(f"docs/{name}: {dialog.locator('.askdocs-cite').first.inner_text()}")
            browser.close()


if __name__ == "__main__":
    main()
