"""How the page was started: its command line, else the environment (serve/environment.py)."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

from askdocs.serve.environment import INDEX_ENV, LIBRARIES_ENV, READ_ONLY_ENV


@dataclass(frozen=True)
class PageOptions:
    """How the page was started: `streamlit run app.py -- [--index DIR] [--libraries DIR] [--read-only]`.

    `index` is the index folder, or with `libraries` the folder holding their indexes (None: the default).
    """

    index: str | None
    libraries: str | None
    read_only: bool


def page_options() -> PageOptions:
    """The page's options from its command line, else $ASKDOCS_INDEX / $ASKDOCS_LIBRARIES / $ASKDOCS_READ_ONLY."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--index", default=os.environ.get(INDEX_ENV))
    parser.add_argument("--libraries", default=os.environ.get(LIBRARIES_ENV))
    parser.add_argument("--read-only", action="store_true", default=os.environ.get(READ_ONLY_ENV) == "1")
    args, _ = parser.parse_known_args()
    return PageOptions(args.index, args.libraries, args.read_only)
