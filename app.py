"""The askdocs page: `streamlit run app.py [-- --index DIR]` (or set ASKDOCS_INDEX)."""

from askdocs.page import main

main()
