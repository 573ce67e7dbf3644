from __future__ import annotations

import pytest

from askdocs.cleaning import (
    drop_reason,
    is_short_fragment,
    normalize,
    text_for_model,
    text_for_model_mapped,
    without_accents,
)


def test_normalize_folds_nbsp_invisible_characters_and_whitespace() -> None:
    assert normalize("Poor\u00a0Sitting  Posture:\u200b the\tback\n") == "Poor Sitting Posture: the back"
    assert normalize("ﬁbrous ring") == "fibrous ring"  # NFKC ligature


@pytest.mark.parametrize(
    ("pdf_text", "word"),
    [
        ("Wirtschaftsuniversit\u00a8at", "Wirtschaftsuniversität"),  # a TeX PDF's spacing accent before its letter
        ("Universit\u00a8 at", "Universität"),
        ("Universit\u0308at", "Universität"),  # the combining mark after the consonant before its vowel
        ("Universi\u1e97at", "Universität"),
        ("caf\u00b4e", "café"),
        ("Zoe\u0308 and na\u00efve", "Zoë and naïve"),  # already right: unchanged
    ],
)
def test_accents_land_on_their_letter(pdf_text: str, word: str) -> None:
    assert normalize(pdf_text) == word


def test_short_lines_are_not_dropped_for_being_short() -> None:
    # A marker is told by repeating within its file (formats.base.Collector), never by its length.
    for line in ("BACK TO TEXT", "Share this page", "Wifi password: hunter2", "Door code 4512"):
        assert drop_reason(line) is None
        assert is_short_fragment(line)
    assert not is_short_fragment("Rest helps.")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("×", "no words"),
        ("* * * 12 §", "no words"),
        (
            "^ Enke, Oliver; New, Heather A. (2 July 2018). Anticonvulsants in low back pain. CMAJ.",
            "bibliography entry",
        ),
        ("Smith, J.; Jones, K. Back pain in adults. Spine. 2019;44(3):1-9. doi:10.1000/xyz", "bibliography entry"),
    ],
)
def test_lines_without_an_answer_are_dropped(line: str, reason: str) -> None:
    assert drop_reason(line) == reason


@pytest.mark.parametrize(
    "line",
    [
        "Sciatica usually improves within six weeks.",
        "Rest helps.",
        "Disk tear. Small tears to the outer part of the disk sometimes occur with aging.",
        "Smith, the physiotherapist, said in 2019 that walking helps most people with back pain.",
    ],
)
def test_real_sentences_are_kept(line: str) -> None:
    assert drop_reason(line) is None


def test_model_text_drops_citation_markers() -> None:
    assert (
        text_for_model("Exercise helps.[47] It also prevents recurrences.[1][48]")
        == "Exercise helps. It also prevents recurrences."
    )


@pytest.mark.parametrize(
    "text",
    [
        "A tidy sentence. Another one.",
        "Exercise helps.[47] It also prevents recurrences.[1][48]",
        "  leading, double  spaces,\ttabs\u00a0and trailing ",
        "",
    ],
)
def test_model_text_maps_every_character_back(text: str) -> None:
    body, where = text_for_model_mapped(text)
    assert body == text_for_model(text) and len(where) == len(body)
    assert where == sorted(where)
    for char, index in zip(body, where):
        assert char == text[index] or (char == " " and text[index].isspace())
    if body == text:
        assert where == list(range(len(text)))


def test_without_accents_takes_the_marks_off_and_keeps_the_letters() -> None:
    assert without_accents("Café Noël, Ångström") == "Cafe Noel, Angstrom"
