"""Several libraries: a folder whose subfolders are corpora, each with an index of its own.

    libraries/
      manuals/              a library: a corpus folder (documents, an optional askdocs.toml)
      papers/
      .askdocs-index/       their indexes: .askdocs-index/manuals/, .askdocs-index/papers/

A library's name is its folder's name. `ingest.py --libraries DIR` builds (or `--watch` keeps
fresh) every library in DIR; the page (`app.py -- --libraries DIR`) offers a picker and
`?lib=NAME` links. A question searches one library, or all of them only when the user picks "all".
Hidden folders (starting with ".") are not libraries, so the index folder never is one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from askdocs.errors import AskdocsError

logger = logging.getLogger(__name__)

INDEX_FOLDER = ".askdocs-index"
ALL = "all"


class LibraryNotFoundError(AskdocsError):
    """A named library, or the folder of libraries, is not there."""


@dataclass(frozen=True)
class Library:
    """One library: its name, the corpus folder it is read from and the index folder it is built into."""

    name: str
    corpus_dir: Path
    index_dir: Path


def single_library(corpus_dir: Path, index_dir: Path) -> Library:
    """The one library of a plain `--corpus DIR --index DIR` set-up, named after its corpus folder."""
    corpus_dir = Path(corpus_dir)
    return Library(corpus_dir.resolve().name or "library", corpus_dir, Path(index_dir))


def libraries_in(root: Path, index_root: Path | None = None) -> list[Library]:
    """Every library in a folder of libraries, by name; indexes under `index_root` (default ROOT/.askdocs-index)."""
    root = Path(root)
    if not root.is_dir():
        raise LibraryNotFoundError(
            f"the folder of libraries {root} does not exist; create it with one subfolder of documents per library"
        )
    index_root = Path(index_root) if index_root is not None else root / INDEX_FOLDER
    found = [
        Library(path.name, path, index_root / path.name)
        for path in sorted(root.iterdir())
        if path.is_dir() and not path.name.startswith(".") and path.name != ALL
    ]
    loose = [p.name for p in root.iterdir() if p.is_file() and not p.name.startswith(".")]
    if loose:
        logger.warning("%d file(s) directly in %s belong to no library (e.g. %s)", len(loose), root, loose[0])
    if not found:
        raise LibraryNotFoundError(
            f"no libraries in {root}: make one subfolder per library (for example {root}/manuals) "
            "and put its documents in it"
        )
    return found


def find_library(libraries: list[Library], name: str) -> Library:
    """The library of that name, or an error listing the names there are."""
    for library in libraries:
        if library.name == name:
            return library
    names = ", ".join(library.name for library in libraries)
    raise LibraryNotFoundError(f"there is no library named '{name}'; the libraries are: {names}")
