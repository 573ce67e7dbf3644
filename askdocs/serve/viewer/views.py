"""The views of a cited place, as the page and the HTTP API show them: a passage in its section
(`TextView`), a row among its neighbours (`TableView`), or a page or image with the answer marked
(`PictureView`). Corpus text is held as plain text here; whoever shows it escapes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from askdocs.errors import AskdocsError


class ViewUnavailableError(AskdocsError):
    """A cited place that cannot be shown: its page, row or passage is no longer in the file or the build."""


@dataclass(frozen=True)
class Block:
    """A paragraph (a stored passage) of the source, in reading order."""

    text: str
    # The cited passage itself.
    cited: bool = False
    # Character span in `text` of the answering sentence (on the cited passage only).
    mark: tuple[int, int] | None = None
    # The heading path above this block, set where it differs from the block before (and on the
    # first block shown when earlier ones are folded away).
    heading: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The block as JSON (`mark` as a two-element list or null)."""
        return {
            "text": self.text,
            "cited": self.cited,
            "mark": list(self.mark) if self.mark else None,
            "heading": self.heading,
        }


@dataclass(frozen=True)
class TextView:
    """The cited passage in its section (or among its neighbours), in reading order."""

    source: str
    # Where, as a person reads it: "Installation > Linux, paragraph 4", "slide 2 \"Camera settings\"".
    place: str
    blocks: tuple[Block, ...]
    # Blocks before the cited one that are shown folded away (the section's earlier text).
    earlier: int = 0
    kind: str = "text"

    def to_json(self) -> dict[str, Any]:
        """The view as JSON."""
        return {
            "kind": self.kind,
            "source": self.source,
            "place": self.place,
            "earlier": self.earlier,
            "blocks": [block.to_json() for block in self.blocks],
        }


@dataclass(frozen=True)
class TableRow:
    """A row of a sheet or CSV file, numbered as the application shows it."""

    number: int
    cells: tuple[str, ...]
    cited: bool = False


@dataclass(frozen=True)
class TableView:
    """The cited row with its table's header row and a few rows either side."""

    source: str
    place: str
    header: TableRow | None
    rows: tuple[TableRow, ...]
    kind: str = "table"

    def to_json(self) -> dict[str, Any]:
        """The view as JSON."""

        def row(r: TableRow) -> dict[str, Any]:
            return {"number": r.number, "cells": list(r.cells), "cited": r.cited}

        return {
            "kind": self.kind,
            "source": self.source,
            "place": self.place,
            "header": row(self.header) if self.header else None,
            "rows": [row(r) for r in self.rows],
        }


@dataclass(frozen=True)
class PictureView:
    """A PDF page or an image as a PNG, the answering sentence's area marked when it was found."""

    source: str
    place: str
    png: bytes
    marked: bool
    # PDF: the page shown and the document's page count (for previous/next); None for an image.
    page: int | None = None
    pages: int | None = None
    # False for a PDF page turned to from the cited one (nothing is marked there).
    cited: bool = True
    kind: str = "picture"
