"""The index: a build folder (its format in `build_folder/`), the index folder that publishes builds
(`publication.py`), the vector and keyword indexes in a build (`ann/`, `bm25.py`), and a build opened
for questions (`loaded.py`). It imports encoders and leaf modules only, never `ingest/` or `search/`."""
