"""The state of reading an HTML page: the open headings and their anchors, the citation of a
passage under them, and headings whose section closed empty, which are read as text themselves."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from askdocs.ingest.formats.base import Collector, heading_path, open_heading
from askdocs.records import Citation

# Units of work (elements, runs, table rows) between checks of the file's time limit.
_CHECK_EVERY = 200


@dataclass(frozen=True)
class EmptyHeading:
    """A heading (or term) whose section has no passage yet: if it closes empty, its text is one."""

    level: int
    text: str
    line: int | None
    at: Citation
    parent: str | None


@dataclass
class ReadingState:
    """Reading state: the open headings, their anchors, and the passages' collector."""

    collector: Collector
    check_time: Callable[[], None]
    headings: list[tuple[int, str]] = field(default_factory=list)
    # The same levels as `headings`, each with its anchor id or "".
    anchors: list[tuple[int, str]] = field(default_factory=list)
    empty: list[EmptyHeading] = field(default_factory=list)
    steps: int = 0

    def citation(self) -> Citation:
        """Where a passage under the open headings is: the heading path and the nearest anchor."""
        anchor = next((a for _, a in reversed(self.anchors) if a), None)
        return Citation(self.collector.source, section=heading_path(self.headings), anchor=anchor)

    def open(self, level: int, text: str, anchor: str | None, line: int | None, *, joins: bool = False) -> None:
        """A heading (or term) of `level` starts a section; `joins` when it extends the last term."""
        if joins and self.empty and self.empty[-1].level == level:
            self.empty.pop()
        self.close(level)
        parent = heading_path([(lvl, h) for lvl, h in self.headings if lvl < level])
        self.headings = open_heading(self.headings, level, text)
        self.anchors = open_heading(self.anchors, level, anchor or "")
        self.empty.append(EmptyHeading(level, text, line, self.citation(), parent))

    def close(self, level: int) -> None:
        """Sections of `level` and deeper end: a heading with nothing under it is read as a line of text
        (rustdoc's "impl Send for Iter", a signature without a description), under the drop rules."""
        ending = [h for h in self.empty if h.level >= level]
        self.empty = [h for h in self.empty if h.level < level]
        before = len(self.collector.passages)
        for i, heading in enumerate(ending):
            # Only the innermost: a heading whose subsection follows it is that subsection's title.
            if i + 1 < len(ending) and ending[i + 1].level > heading.level:
                continue
            self.collector.add([heading.text], heading.line, heading.parent, at=heading.at)
        if len(self.collector.passages) > before:
            self.empty.clear()  # the enclosing sections now hold a passage

    def add(self, lines: list[str], line: int | None, *, keep: bool = False, caption: str | None = None) -> None:
        """A passage under the open headings (a table's caption joins its rows' title)."""
        at = self.citation()
        title = " > ".join(part for part in (at.section, caption) if part) or None
        before = len(self.collector.passages)
        self.collector.add(lines, line, title, at=at, keep=keep)
        if len(self.collector.passages) > before:
            self.empty.clear()

    def tick(self) -> None:
        """Count a unit of work; check the file's time limit every few hundred."""
        self.steps += 1
        if self.steps % _CHECK_EVERY == 0:
            self.check_time()
