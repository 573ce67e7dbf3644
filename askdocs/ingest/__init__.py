"""Ingest: a corpus folder becomes a published build. `corpus.py` walks it, `formats/` reads each file,
the duplicate, chunking and embedding stages follow, `prepare.py` and `pipeline.py` join them, and
`watch.py` re-runs them when files change. Nothing here is imported by a search."""
