"""search/text_match.py: phrases and words found in stored passage text."""

from __future__ import annotations

from askdocs.search.text_match import fold, holds


def test_fold_ignores_case_accents_and_spacing() -> None:
    assert fold("  Café\n au   LAIT ") == "cafe au lait"


def test_holds_matches_whole_words_across_line_ends_and_gaps() -> None:
    assert holds("The heat\npack helps", "heat pack")
    assert not holds("wheat packs", "heat pack")
    assert holds("error 0x80070005 occurred", "0X80070005")
    assert holds("trying to overwrite '/usr/x', which is also in package y", "trying to overwrite ... also in package")
    assert not holds("also in package y, trying to overwrite", "trying to overwrite ... also in package")
    assert holds("C++ and C# both", "c++")
