"""One router per resource: `search.py` (one index), `libraries.py` (a folder of libraries),
`documents.py` (adding and removing documents)."""
