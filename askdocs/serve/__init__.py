"""Serving: people in front of search and ingest. The Streamlit page (`page/`), the HTTP API
(`http/`), the command lines (`cli.py`), and what they share (`presentation.py`, `uploads.py`,
`background.py`, `environment.py`). Only here are errors turned into exit codes, `st.error` or HTTP errors."""
