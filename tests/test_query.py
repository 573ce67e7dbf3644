"""search/query.py: the query language parsed from a question."""

from __future__ import annotations

from datetime import date

import pytest

from askdocs.errors import AskdocsError, QuerySyntaxError
from askdocs.search.query import operator_text, operators, parse_query, without


def test_a_plain_question_has_no_operators() -> None:
    parsed = parse_query("what is sciatica? (e-mail me) os.path:join http://x.org -5 degrees")
    assert not parsed.has_operators and parsed.question.startswith("what is sciatica?")


def test_each_operator_is_read_and_the_rest_is_the_question() -> None:
    parsed = parse_query(
        'error "0x80070005" -windows -"blue screen" type:PDF type:.docx folder:"Annual reports" '
        "file:a/b.txt after:2024-03-01 before:2024-06-30"
    )
    assert parsed.question == "error 0x80070005"
    assert parsed.phrases == ("0x80070005",) and parsed.excluded == ("windows", "blue screen")
    assert parsed.types == ("pdf", "docx") and parsed.folders == ("Annual reports",) and parsed.files == ("a/b.txt",)
    assert (parsed.after, parsed.before) == (date(2024, 3, 1), date(2024, 6, 30))
    assert parsed.to_json()["filters"]["after"] == "2024-03-01"


def test_options_of_commands_are_question_words_not_exclusions() -> None:
    parsed = parse_query("sudo dpkg -i fails with --verify and -rf")
    assert not parsed.excluded and parsed.question == "sudo dpkg -i fails with --verify and -rf"


def test_a_gap_in_a_phrase_and_a_filters_only_question() -> None:
    assert parse_query('"trying to overwrite ... in package"').phrases == ("trying to overwrite ... in package",)
    parsed = parse_query("type:pdf after:2024-01-01")
    assert parsed.question == "" and parsed.has_filters


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("after:yesterday", "after:YYYY-MM-DD"),
        ("before:2024-13-01", "before:YYYY-MM-DD"),
        ('an "unclosed quote', "quote is not closed"),
        ("type: pdf", "type: needs a value"),
        ("-type:pdf", "cannot be negated"),
    ],
)
def test_a_malformed_operator_is_an_error_naming_the_syntax(typed: str, says: str) -> None:
    with pytest.raises(QuerySyntaxError, match=says) as caught:
        parse_query(typed)
    assert isinstance(caught.value, AskdocsError) and "Query syntax:" in str(caught.value)


def test_operators_are_found_where_typed_and_removed_cleanly() -> None:
    typed = 'pain type:pdf  -knee folder:"Annual reports"'
    found = operators(typed)
    assert [(o.kind, o.value) for o in found] == [("type", "pdf"), ("excluded", "knee"), ("folder", "Annual reports")]
    assert without(typed, found[:1]) == 'pain -knee folder:"Annual reports"'
    assert (
        operator_text("folder", "Annual reports") == 'folder:"Annual reports"'
        and operator_text("type", "pdf") == "type:pdf"
    )
