"""The askdocs page with its sign-in: `streamlit run page.py -- [app.py's options]` (as `make run` does).

The page itself is app.py; this serves it with the sign-in form and sign-out beside it, which a
folder of libraries with accounts needs (askdocs/serve/page/sign_in_routes.py).
"""

import streamlit as st

from askdocs.serve.page.sign_in_routes import sign_in_routes

app = st.App("app.py", routes=sign_in_routes())
