"""Build the askdocs index from a corpus folder: `python ingest.py [--corpus DIR] [--index DIR] [--model NAME]`."""

from __future__ import annotations

import sys

from askdocs.serve.cli import ingest_main

if __name__ == "__main__":
    sys.exit(ingest_main())
