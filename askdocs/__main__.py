"""`python -m askdocs ask "question"`."""

from __future__ import annotations

import sys

from askdocs.cli import ask_main

sys.exit(ask_main())
