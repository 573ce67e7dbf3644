"""Right-to-left and CJK passages in the real page (headless Chromium): direction, text and highlight."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from askdocs.ingest.pipeline import build_index
from askdocs.settings import IndexSettings
from tests.conftest import write_corpus
from tests.test_browser import ARTIFACTS, CHROMIUM, page_server

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
ARABIC = (
    "# إعداد الشبكة\n\nيتم ضبط واجهات الشبكة في الملف الخاص بها. بعد أي تغيير يجب إعادة تشغيل خدمة الشبكة "
    "حتى تصبح الإعدادات الجديدة فعالة.\n\n# تثبيت الحزم\n\nلتثبيت حزمة جديدة نستخدم الأمر apt install مع اسم الحزمة. "
    "توجد قائمة مصادر الحزم في ملف خاص.\n"
)
JAPANESE = (
    "# 時刻の設定\n\nシステムの時刻は timedatectl で設定します。タイムゾーンを変更するとログの時刻も変わります。"
    "時刻の同期には systemd-timesyncd を使います。\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("languages-browser")
    corpus = write_corpus(root / "corpus", {"shabaka.md": ARABIC, "jikoku.md": JAPANESE})
    build_index(corpus, root / "index", IndexSettings())
    with page_server("--index", str(root / "index")) as url:
        yield url


def test_an_arabic_passage_reads_right_to_left_with_its_sentence_marked(server: str, page) -> None:
    page.goto(f"{server}/?q={quote('كيف أثبت حزمة جديدة؟')}")
    passage = page.locator(".askdocs-passage", has_text="لتثبيت حزمة جديدة").first
    passage.wait_for()
    assert passage.evaluate("element => getComputedStyle(element).direction") == "rtl"
    assert "apt install" in passage.locator("mark").inner_text()
    page.get_by_text("Arabic", exact=False).first.wait_for()  # the sidebar names the library's languages
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "arabic.png"), full_page=True)


def test_a_japanese_passage_shows_whole_with_the_answer_marked(server: str, page) -> None:
    page.goto(f"{server}/?q={quote('タイムゾーンを変えるとどうなる？')}")
    passage = page.locator(".askdocs-passage", has_text="タイムゾーン").first
    passage.wait_for()
    assert passage.evaluate("element => getComputedStyle(element).direction") == "ltr"
    assert "タイムゾーンを変更するとログの時刻も変わります。" in passage.locator("mark").inner_text()
    page.screenshot(path=str(ARTIFACTS / "japanese.png"), full_page=True)
