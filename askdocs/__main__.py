"""`python -m askdocs ask "question"` and `python -m askdocs serve`."""

from __future__ import annotations

import sys

from askdocs.serve.cli import main

sys.exit(main())
