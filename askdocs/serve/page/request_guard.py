"""The page answers only on this machine (or read-only, or signed in), to requests addressed to it from its own pages.

Streamlit binds every interface unless told otherwise, and reads `.streamlit/config.toml` only from
the folder it is started in: launched from elsewhere, the page with its upload and removal panel was
open to the network (issue #25). It refuses to serve beyond loopback unless read-only or its
libraries have accounts (everyone signs in), whatever folder it was started from, and it refuses a
request whose Host is not this server's or whose Origin is another site's (`serve/request_origin.py`).
"""

from __future__ import annotations

import os

import streamlit as st

from askdocs.serve.environment import ALLOWED_HOSTS_ENV
from askdocs.serve.request_origin import allowed_hosts, foreign_reason, hosts_from_setting, is_loopback


def exposure_problem(address: str, read_only: bool, shared: bool = False) -> str | None:
    """Why the page must not serve on `address` (Streamlit's server.address), or None; a page whose
    libraries have accounts (`shared`) may serve anywhere: everyone signs in."""
    if read_only or shared or is_loopback(address):
        return None
    where = f"on {address}" if address else "on every network interface (no --server.address)"
    return (
        f"This page is served {where}, where others can reach it, with adding and removing documents on. "
        "Serve it on this machine only (`streamlit run app.py --server.address localhost`, as `make run` "
        "does), or read-only (`streamlit run app.py -- --read-only`, `make run READ_ONLY=1`), or give the "
        "libraries accounts (`python -m askdocs users --libraries DIR add NAME ...`) so everyone signs in."
    )


def _address() -> str:
    return str(st.get_option("server.address") or "")


def page_hosts() -> frozenset[str] | None:
    """The host names requests to the page may be addressed to (its address, loopback, $ASKDOCS_ALLOWED_HOSTS)."""
    return allowed_hosts(_address(), hosts_from_setting(os.environ.get(ALLOWED_HOSTS_ENV)))


def refuse_unsafe_requests(read_only: bool, shared: bool = False) -> None:
    """Stop the page (with the reason) when it is exposed with writes on and no accounts, or the request
    is not its own."""
    problem = exposure_problem(_address(), read_only, shared)
    if problem is None:
        headers = st.context.headers
        problem = foreign_reason(headers.get("Host"), headers.get("Origin"), page_hosts())
    if problem:
        st.title("askdocs")
        st.error(problem)
        st.stop()
