"""The Streamlit page: `main.py` asks and answers, `documents_panel.py` picks a library and adds or
removes its documents. `app.py` at the repository root runs `main.main`."""
