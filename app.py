"""The askdocs page: `streamlit run app.py [-- --index DIR | --libraries DIR] [--read-only]` (or $ASKDOCS_INDEX)."""

from askdocs.serve.page.main import main

main()
