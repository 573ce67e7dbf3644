"""Who is using the page: with accounts, the user of the session cookie (set by sign_in_routes.py).

A folder of libraries without accounts, or one index, is the owner's: every library, every action.
Once the folder has a user, every run of the page needs a live session (checked at each run, so a
revoked session or a removed user is refused at once), or, from the configured sign-in proxy's
address only, a user named in its header. Without a session the page shows a link to the sign-in
form and nothing else.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from askdocs.accounts import OWNER, AccountStore, User, folder_accounts
from askdocs.errors import AccountError
from askdocs.serve.environment import SIGN_IN_PROXY_ENV, USER_HEADER_ENV
from askdocs.serve.page.options import PageOptions
from askdocs.serve.page.sign_in_routes import SESSION_COOKIE, SIGN_IN_PATH, routes_served
from askdocs.serve.request_origin import is_loopback


@dataclass(frozen=True)
class PageAccount:
    """The page's user, the accounts their changes are recorded in (None: no accounts), session and address."""

    user: User = OWNER
    store: AccountStore | None = None
    session: str | None = None
    address: str = ""

    def record(self, action: str, target: str) -> None:
        """Append a change by this user to the audit log (when there are accounts)."""
        if self.store is not None:
            self.store.record(self.user.name, action, target, self.address)


def _proxy_user(store: AccountStore, address: str) -> User | None:
    """The user a trusted sign-in proxy names in its header, for a request from the proxy only."""
    proxy = os.environ.get(SIGN_IN_PROXY_ENV)
    named = st.context.headers.get(os.environ.get(USER_HEADER_ENV) or "X-Forwarded-User")
    from_proxy = proxy is not None and (address == proxy or (is_loopback(proxy) and is_loopback(address)))
    return store.user(named) if from_proxy and isinstance(named, str) and named else None


def shared_accounts(options: PageOptions) -> AccountStore | None:
    """The accounts of the folder of libraries the page serves, when it has any user (then everyone signs in)."""
    return folder_accounts(Path(options.libraries)) if options.libraries is not None else None


def page_account(options: PageOptions, store: AccountStore | None) -> PageAccount:
    """The page's user, given the folder's accounts (`shared_accounts`); without one, when there are
    accounts, the sign-in link (and the run stops)."""
    if store is None:
        return PageAccount()
    if not routes_served():
        raise AccountError(
            f"the libraries in {options.libraries} have accounts, and signing in needs the page's sign-in "
            f"routes: serve it with `streamlit run page.py -- --libraries {options.libraries}` "
            "(as `make run LIBRARIES=...` does), not app.py"
        )
    # Streamlit gives no address (None) for a browser on this machine; not strings where no browser
    # connected (AppTest's runs), and then there is no session.
    address = st.context.ip_address if isinstance(st.context.ip_address, str) else "127.0.0.1"
    session = st.context.cookies.get(SESSION_COOKIE)
    session = session if isinstance(session, str) else None
    user = store.user_for_token(session, kind="session") if session else None
    user = user or _proxy_user(store, address)
    if user is None:
        st.title("askdocs")
        st.info("These libraries are shared: sign in to search them.")
        # Back to the link they opened (its library and question) once signed in.
        wanted = urlencode({key: st.query_params.get(key, "") for key in st.query_params})
        then = f"/?{wanted}" if wanted else "/"
        # A plain link in this tab (st.link_button opens a new one); its address is ours, url-encoded.
        link = html.escape(f"{SIGN_IN_PATH}?{urlencode({'next': then})}", quote=True)
        st.markdown(f'<a href="{link}" target="_self" class="askdocs-sign-in">Sign in</a>', unsafe_allow_html=True)
        st.stop()
    return PageAccount(user, store, session, address)


def _sign_out(account: PageAccount) -> None:
    if account.store is not None and account.session:
        account.store.end_session(account.session)


def account_sidebar(account: PageAccount) -> None:
    """Who is signed in, and the sign-out button (the session ends at once, everywhere)."""
    if account.store is None:
        return
    with st.sidebar:
        # A user name is 1 to 64 letters, digits and . _ @ - (accounts/store.py): nothing to escape.
        st.caption(f"Signed in as **{account.user.name}** ({account.user.top_role()})")
        if account.session:
            st.button("Sign out", on_click=_sign_out, args=(account,), key="sign-out")
