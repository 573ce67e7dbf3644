"""Issue #31 in a real headless Chromium: the page's filter controls write the same operators into
the question as a person would type, and give the same hits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from askdocs.encoders import Encoder
from tests.conftest import make_pdf, write_corpus
from tests.test_browser import ARTIFACTS, CHROMIUM, page_server
from tests.test_search_operators import docx_dated

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium not installed (make test installs it)"
)


@pytest.fixture(scope="module")
def narrowing_server(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[str]:
    from askdocs.ingest.pipeline import build_index
    from askdocs.settings import IndexSettings

    root = tmp_path_factory.mktemp("narrowing")
    corpus = write_corpus(
        root / "corpus",
        {
            "contracts/current/supplier.txt": "The supplier contract renews every March unless cancelled.\n",
            "contracts/old/supplier.docx": docx_dated("The old supplier contract ended in 2019.", 2019),
            "contracts/old/lease.pdf": make_pdf(["The warehouse lease contract ended in 2018."]),
            "manuals/contract-terms.txt": "Contract terms are explained in the glossary of this manual.\n",
        },
    )
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    with page_server("--index", str(root / "index")) as url:
        yield url


def cited_sources(page) -> list[str]:
    """The sources cited on the page (the best answer's and the cards'), in order, each once."""
    page.get_by_text("results in", exact=False).first.wait_for()
    # Until a rerun ends, the previous run's elements stay on screen, marked stale.
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=60_000)
    texts = page.locator(".askdocs-cite").all_inner_texts()
    return list(dict.fromkeys(text.split("Source: ", 1)[1].split(",")[0] for text in texts if "Source: " in text))


def test_filter_controls_write_the_operators_and_match_typed_ones(narrowing_server: str, page) -> None:
    page.goto(f"{narrowing_server}/?q={quote('when did the contract end')}")
    # The first run over (nothing stale): a control changed during a run can be lost with it.
    cited_sources(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_label("Type").click()
    page.get_by_role("option", name="docx").click()
    page.keyboard.press("Escape")
    box = page.get_by_label("Ask a question")
    expect(box).to_have_value("when did the contract end type:docx", timeout=60_000)
    sidebar.get_by_label("Folder").click()
    page.get_by_role("option", name="contracts/old").click()
    page.keyboard.press("Escape")
    expect(box).to_have_value("when did the contract end type:docx folder:contracts/old", timeout=60_000)
    # The chips show the active operators.
    page.get_by_role("button", name="folder:contracts/old ✕").wait_for()
    by_controls = cited_sources(page)
    page.screenshot(path=str(ARTIFACTS / "narrowing-controls.png"), full_page=True)
    page.goto(f"{narrowing_server}/?q={quote('when did the contract end type:docx folder:contracts/old')}")
    by_typing = cited_sources(page)
    assert by_controls == by_typing == ["contracts/old/supplier.docx"]
    # A chip takes its operator out of the question again.
    page.get_by_role("button", name="type:docx ✕").click()
    expect(box).to_have_value("when did the contract end folder:contracts/old", timeout=60_000)
    expect(page.locator(".askdocs-cite").filter(has_text="lease.pdf").first).to_be_visible(timeout=60_000)


def test_a_malformed_operator_shows_the_syntax_not_a_trace(narrowing_server: str, page) -> None:
    page.goto(f"{narrowing_server}/?q={quote('contract after:yesterday')}")
    page.get_by_text("after:YYYY-MM-DD", exact=False).first.wait_for()
    assert page.get_by_text("Traceback").count() == 0
