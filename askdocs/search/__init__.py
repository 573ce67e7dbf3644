"""Search: a question becomes ranked hits from a published build (`searcher.Searcher`), through
retrieval (`retrieval.py`), a ranking per search mode (`modes.py`, `ranking.py`) and, over several
libraries, one merge (`all_libraries.py`). It reads builds through `index/` and never imports `ingest/`."""
