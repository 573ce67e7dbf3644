"""The query language inside a question, parsed once for the page, the CLI, the API and `Searcher.search`.

    "exact phrase"        only passages containing it (case, accents and spacing ignored; `...`
                          inside a phrase stands for any gap: "trying to overwrite ... also in package")
    -word  -"a phrase"    leave out passages containing them (a word of three or more letters or
                          digits: `-i`, `-rf` and `--verify` are command-line options, kept as words)
    type:pdf              the file's format (several: type:pdf type:docx)
    folder:NAME           files in a folder whose path, at any depth, starts with NAME
    file:NAME             files whose path ends with NAME (or equals it)
    after:YYYY-MM-DD      documents dated on or after (before:, strictly before) the day
    anything else         the question, as always

A value with spaces is quoted (`folder:"Annual reports"`). An unknown `word:value` is question text
(`os.path:join`, a URL). A malformed operator raises `QuerySyntaxError` naming the syntax.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from askdocs.errors import QuerySyntaxError

FILTER_KEYS = ("type", "folder", "file", "after", "before")
SYNTAX = (
    'Query syntax: "exact phrase", -word, -"phrase", type:pdf, folder:NAME, file:NAME, '
    'after:YYYY-MM-DD, before:YYYY-MM-DD; quote a value with spaces (folder:"Annual reports")'
)
# Shortest word an exclusion takes: `-i` and `-rf` in a question are options of a command.
MIN_EXCLUDED_CHARS = 3
_TOKEN = re.compile(
    r'(?P<neg>-)?(?P<key>[A-Za-z]+):(?:"(?P<qvalue>[^"]*)"|(?P<value>[^\s"]*))'
    r'|(?P<qneg>-)?"(?P<phrase>[^"]*)"'
    r"|(?P<word>\S+)"
)
# `...` (or `…`) inside a phrase: any gap.
GAP = re.compile(r"\s*(?:\.\.\.|…)\s*")


@dataclass(frozen=True)
class ParsedQuery:
    """A question's operators and the words left to rank by."""

    # The question as ranked: the words outside operators, the phrases' words kept in place.
    question: str
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    after: date | None = None
    before: date | None = None
    # The question as typed.
    typed: str = field(default="", compare=False)

    @property
    def has_operators(self) -> bool:
        """Whether anything narrows the search (a plain question searches as it always did)."""
        return bool(self.phrases or self.excluded or self.has_filters)

    @property
    def has_filters(self) -> bool:
        """Whether the documents are narrowed by type, folder, file or date."""
        return bool(self.types or self.folders or self.files or self.after or self.before)

    def filters_json(self) -> dict[str, Any]:
        """The filters as JSON: lists of values, dates as ISO strings or null."""
        return {
            "type": list(self.types),
            "folder": list(self.folders),
            "file": list(self.files),
            "after": self.after.isoformat() if self.after else None,
            "before": self.before.isoformat() if self.before else None,
        }

    def to_json(self) -> dict[str, Any]:
        """The parsed query as the API returns it."""
        return {
            "question": self.question,
            "phrases": list(self.phrases),
            "excluded": list(self.excluded),
            "filters": self.filters_json(),
        }


@dataclass(frozen=True)
class Operator:
    """One operator as typed: its kind (a filter key, "phrase" or "excluded"), value and place."""

    kind: str
    value: str
    text: str
    span: tuple[int, int]


def _tokens(typed: str) -> Iterator[tuple[str, str, re.Match[str]]]:
    """Each token of a question as (kind, value, match), the one reading `operators` and `parse_query`
    share: kind is a filter key ("negated" for `-type:...`, its value the key), "phrase",
    "excluded" or "word"; a phrase of nothing but gaps is no token."""
    for match in _TOKEN.finditer(typed):
        key = (match["key"] or "").lower()
        if key in FILTER_KEYS:
            value = match["qvalue"] if match["qvalue"] is not None else match["value"]
            yield ("negated", key, match) if match["neg"] else (key, value, match)
        elif match["phrase"] is not None:
            if GAP.sub("", match["phrase"]).strip():
                yield ("excluded" if match["qneg"] else "phrase"), match["phrase"], match
        elif _is_exclusion(match.group(0)):
            yield "excluded", match.group(0)[1:], match
        else:
            yield "word", match.group(0), match


def operators(typed: str) -> list[Operator]:
    """The operators of a question, as typed, in order (none are checked here: see `parse_query`)."""
    return [
        Operator(kind, value, match.group(0), match.span())
        for kind, value, match in _tokens(typed)
        if kind not in ("word", "negated")
    ]


def operator_text(kind: str, value: str) -> str:
    """An operator as it is typed: `type:pdf`, `folder:"Annual reports"`, `after:2024-03-01`."""
    return f'{kind}:"{value}"' if any(char.isspace() for char in value) else f"{kind}:{value}"


def without(typed: str, removed: list[Operator]) -> str:
    """The question with the given operators cut out (spaces tidied)."""
    for operator in sorted(removed, key=lambda o: o.span[0], reverse=True):
        typed = typed[: operator.span[0]] + typed[operator.span[1] :]
    return " ".join(typed.split())


def parse_query(typed: str) -> ParsedQuery:
    """The operators of `typed` and the question left; `QuerySyntaxError` for a malformed one."""
    if typed.count('"') % 2:
        raise QuerySyntaxError(f"a quote is not closed in {typed!r}. {SYNTAX}")
    words: list[str] = []
    found: dict[str, list[Any]] = {key: [] for key in ("phrases", "excluded", *FILTER_KEYS)}
    for kind, value, _ in _tokens(typed):
        if kind == "negated":
            raise QuerySyntaxError(f"-{value}: cannot be negated. {SYNTAX}")
        if kind in FILTER_KEYS:
            found[kind].append(_filter_value(kind, value))
        elif kind == "word":
            words.append(value)
        else:
            phrase = " ".join(value.split())
            found["phrases" if kind == "phrase" else "excluded"].append(phrase)
            if kind == "phrase":
                words.append(GAP.sub(" ", phrase))
    return ParsedQuery(
        " ".join(words),
        tuple(found["phrases"]),
        tuple(found["excluded"]),
        tuple(dict.fromkeys(found["type"])),
        tuple(dict.fromkeys(found["folder"])),
        tuple(dict.fromkeys(found["file"])),
        max(found["after"], default=None),
        min(found["before"], default=None),
        typed,
    )


def _is_exclusion(word: str) -> bool:
    """`-word` leaves a word out; `-i`, `--verify` and `-5` stay question text."""
    rest = word[1:]
    return (
        word.startswith("-")
        and len(rest) >= MIN_EXCLUDED_CHARS
        and rest[0].isalpha()
        and bool(re.fullmatch(r"[\w'.-]+", rest))
    )


def _filter_value(key: str, value: str) -> Any:
    """One filter's value, checked: a format, a folder or file name, or a date."""
    value = value.strip()
    if not value:
        raise QuerySyntaxError(f"{key}: needs a value. {SYNTAX}")
    if key in ("after", "before"):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise QuerySyntaxError(f"{key}:{value} is not a date; write {key}:YYYY-MM-DD. {SYNTAX}") from None
    if key == "type":
        return value.lower().lstrip(".")
    return value.strip("/")
