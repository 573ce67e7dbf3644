"""A library's askdocs.toml: read, checked, kept in the build; examples from the library's own text."""

from __future__ import annotations

from pathlib import Path

import pytest

from askdocs.library_settings import LibrarySettingsError, examples_from, library_settings, read_library_file
from askdocs.records import Citation, Passage


def passage(text: str, title: str | None = None) -> Passage:
    return Passage(text, (Citation("a.md"),), title)


def test_settings_file_values_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "askdocs.toml").write_text('title = "Router manuals"\nexamples = ["How do I reset it?"]\n')
    settings = library_settings(tmp_path, read_library_file(tmp_path), [])
    assert (settings.title, settings.examples, settings.notice) == ("Router manuals", ("How do I reset it?",), "")
    assert not settings.derived_examples
    (tmp_path / "askdocs.toml").unlink()
    plain = library_settings(tmp_path, read_library_file(tmp_path), [passage("Nothing to ask here.")])
    assert (plain.title, plain.examples, plain.notice) == (tmp_path.name, (), "")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title = ", "not valid TOML"),
        ("colour = 'red'", "unknown key 'colour'"),
        ("examples = 'one'", "list of strings"),
    ],
)
def test_a_broken_settings_file_names_itself_and_the_fix(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "askdocs.toml").write_text(content)
    with pytest.raises(LibrarySettingsError, match=message):
        read_library_file(tmp_path)


def test_examples_are_questions_in_the_text_else_section_headings() -> None:
    asked = [passage("Routers forget settings. How do I reset the router to factory settings? Hold the button.")]
    assert examples_from(asked) == ("How do I reset the router to factory settings?",)
    titled = [passage("Text.", "Manual > Changing the password"), passage("More.", "Manual > Wi-Fi channels")]
    assert examples_from(titled) == ("Changing the password", "Wi-Fi channels")


def test_examples_stand_alone_and_come_from_different_documents() -> None:
    def cited(text: str, source: str, title: str | None = None) -> Passage:
        return Passage(text, (Citation(source),), title)

    passages = [
        cited("So how does it work? And what are you trying to do? How does the merge work?", "guide.html"),
        cited("How does the merge work? Why do merges create commits?", "guide.txt"),  # the same manual as .txt
        *[cited("Options.", "git-add.html", "git-add > OPTIONS")] * 5,  # shouting headings are not topics
        *[cited("Steps.", "howto/revert.html", "Howto > How to revert a faulty merge")] * 2,
        *[cited("Text.", "manual.html", "Manual > Populating a repository")] * 3,
    ]
    assert examples_from(passages) == (
        "How does the merge work?",  # "how does it work" points at earlier text; "trying to do" asks nothing
        "How to revert a faulty merge",
        "Populating a repository",
        "Why do merges create commits?",  # a second one from the guide only once every document has one
    )
