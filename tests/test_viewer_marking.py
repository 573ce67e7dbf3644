"""serve/viewer/marking.py: a sentence found by its letters and digits, in text and in OCR lines."""

from __future__ import annotations

from askdocs.serve.viewer.marking import boxes_holding, find_sentence, folded, letters_span, lines_holding


def test_folded_keeps_letters_and_digits_with_where_they_came_from() -> None:
    assert folded("Ab-c 1") == ("abc1", [0, 1, 3, 5])
    assert folded("ﬁne") == ("fine", [0, 0, 1, 2])  # a ligature is two letters from one character


def test_find_sentence_ignores_case_spaces_hyphens_and_punctuation() -> None:
    text = "Intro. The copies are identi-\ncal, always. End."
    start, end = find_sentence(text, "The copies are identical, always.")  # type: ignore[misc]
    assert text[start:end] == "The copies are identi-\ncal, always."
    assert find_sentence(text, "not there") is None
    assert find_sentence(text, "...") is None


def test_boxes_holding_marks_the_lines_a_sentence_runs_over_and_no_other() -> None:
    lines = ["Its dam is built of granite", "blocks quarried on Arran.", "Swimming is forbidden", "the"]
    assert boxes_holding(lines, "Its dam is built of granite blocks quarried on Arran.") == [0, 1]
    # A sentence starting mid-line and ending mid-line marks both lines it touches.
    assert boxes_holding(["The dam. Its wall is of", "granite blocks. Swim"], "Its wall is of granite blocks.") == [
        0,
        1,
    ]
    assert boxes_holding(lines, "nothing like it") == []
    assert boxes_holding(lines, "") == []


def test_letters_span_is_the_first_and_last_letter_and_lines_holding_skips_unsure_lines() -> None:
    from types import SimpleNamespace

    assert letters_span("Say: the copies match.", "The copies match") == (5, 20)
    assert letters_span("nothing here", "absent") is None
    lines = [SimpleNamespace(text="Its dam is built of granite", confidence=0.9)]
    lines += [SimpleNamespace(text="blocks quarried on Arran.", confidence=0.4)]
    assert lines_holding(lines, "Its dam is built of granite blocks quarried on Arran.", 0.6) == lines[:1]
