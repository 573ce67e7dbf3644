"""Render docs/screenshot.png: the real page answering a question in headless Chromium.

python bench/screenshot.py [--question "..."] [--corpus DIR --index DIR] [--out FILE]

Without --corpus, the seed corpus; with it, any folder (e.g. a copy of a Debian documentation
package), built into --index first. An empty --question shows the page as it opens.
"""

from __future__ import annotations

import argparse
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from playwright.sync_api import sync_playwright

    from askdocs.ingest.pipeline import build_index

    parser = argparse.ArgumentParser()
    parser.add_argument("--question", default="When is imaging needed for low back pain?")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--index", type=Path, default=ROOT / "bench" / ".cache" / "seeds" / "index")
    parser.add_argument("--force", action="store_true", help="rebuild the index even when it is up to date")
    args = parser.parse_args()
    index = args.index
    print("\n".join(build_index(args.corpus, index, progress=True, force=args.force).lines()))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--", "--index", str(index)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            page = browser.new_page(viewport={"width": 1200, "height": 1500})
            if args.question:
                page.goto(f"http://localhost:{port}/?q={quote(args.question)}")
                page.get_by_text(re.compile(r"^\d+ results in \d+ ms$")).first.wait_for(timeout=120_000)
            else:
                page.goto(f"http://localhost:{port}/")
                page.get_by_label("Ask a question").wait_for(timeout=120_000)
            time.sleep(1)
            args.out.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(args.out))
            browser.close()
    finally:
        server.terminate()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
