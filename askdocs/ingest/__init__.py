"""askdocs/ingest"""
