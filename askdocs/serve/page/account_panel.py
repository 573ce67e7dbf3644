"""The page's account controls: a user's own API tokens, and for admins the users and the audit log.

Every change is checked here against the signed-in user at the moment it is made (an admin manages
only users whose libraries they administer, and grants only those), and recorded in the audit log
by the store. Names and log lines are shown in tables, never as markdown.
"""

from __future__ import annotations

import re
import time

import streamlit as st

from askdocs.accounts import EVERY_LIBRARY, ROLES, AccountStore, AuditEntry, User, allows
from askdocs.errors import AccountError
from askdocs.libraries import Library
from askdocs.serve.page.signed_in import PageAccount

AUDIT_SHOWN = 200


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at)) if at else "never"


def own_tokens(account: PageAccount) -> None:
    """The sidebar's "API tokens": make one (shown once), see and revoke one's own."""
    store = account.store
    if store is None:
        return
    name = account.user.name
    with st.sidebar.expander("Your API tokens"):
        if st.button("New API token", key="new-token"):
            token = store.issue_token(name, actor=name, address=account.address)
            st.caption("Copy it now: it is shown once. Send it as `Authorization: Bearer <token>`.")
            st.code(token, language=None)
        tokens = [t for t in store.tokens(name) if t.kind == "api"]
        if not tokens:
            st.caption("No API tokens.")
            return
        st.dataframe([{"token": t.label, "made": _when(t.created)} for t in tokens], hide_index=True)
        label = st.selectbox("Revoke a token", [t.label for t in tokens], index=None, key="drop-token")
        if label and st.button("Revoke it", key="drop-token-go"):
            store.drop_token(name, label, actor=name, address=account.address)
            st.rerun()


def wants_admin_view(account: PageAccount) -> bool:
    """The sidebar's switch to the users and audit log, for admins with accounts."""
    if account.store is None or not allows(account.user.top_role(), "manage"):
        return False
    return st.sidebar.toggle("Users and audit log", key="admin-view")


def admin_view(account: PageAccount, libraries: list[Library]) -> None:
    """The users this admin manages (add, change, revoke, remove) and the audit log."""
    store, admin = account.store, account.user
    assert store is not None
    st.markdown("# Users and audit log")
    # What this admin may give: what `may_manage` accepts when the form is sent.
    grantable = [
        name for name in [*(library.name for library in libraries), EVERY_LIBRARY] if admin.may("manage", name)
    ]
    managed = [user for user in store.users() if admin.may_manage(user.libraries)]
    rows = [{"user": u.name, "roles": u.describe().partition(": ")[2]} for u in managed]
    st.dataframe(rows, hide_index=True, use_container_width=True)
    try:
        _add_user(store, admin, grantable, account.address)
        _change_user(store, admin, managed, grantable, account.address)
    except AccountError as error:
        st.error(str(error))
    st.subheader("Audit log")
    entries = audit_for(admin, [user.name for user in managed], store.audit(AUDIT_SHOWN * 5))[:AUDIT_SHOWN]
    st.dataframe(
        [{"when": _when(e.at), "who": e.actor, "did": e.action, "to": e.target, "from": e.address} for e in entries],
        hide_index=True,
        use_container_width=True,
    )


def audit_for(admin: User, managed: list[str], entries: list[AuditEntry]) -> list[AuditEntry]:
    """The entries an admin may read: all for an admin of every library; else those about the libraries
    they administer (an upload's "library/file") or the users they manage, so that nobody learns the
    names of libraries they cannot read from the log."""
    if admin.may("manage", EVERY_LIBRARY):
        return entries
    people = set(managed) | {admin.name}

    def about(entry: AuditEntry) -> bool:
        library, slash, _ = entry.target.partition("/")
        if slash:
            return admin.may("manage", library)
        named = re.split(r"[ :(]", entry.target, maxsplit=1)[0]
        return (named or entry.actor) in people or entry.actor == admin.name

    return [entry for entry in entries if about(entry)]


def _add_user(store: AccountStore, admin: User, grantable: list[str], address: str) -> None:
    with st.form("add-user", clear_on_submit=True):
        st.markdown("**Add a user**")
        name = st.text_input("User name", key="add-name")
        password = st.text_input("Password (at least 10 characters)", type="password", key="add-password")
        role = st.selectbox("Role", ROLES, key="add-role")
        chosen = st.multiselect("Libraries", grantable, key="add-libraries")
        if not st.form_submit_button("Add"):
            return
    if not admin.may_manage(chosen):
        raise AccountError("you may give only libraries you administer")
    user = store.add_user(name.strip(), role, chosen, password or None, actor=admin.name, address=address)
    st.success(f"Added {user.name} ({user.role}); they can sign in now.")


def _change_user(store: AccountStore, admin: User, managed: list[User], grantable: list[str], address: str) -> None:
    others = [user for user in managed if user.name != admin.name]
    if not others:
        return
    st.markdown("**Change a user**")
    chosen = st.selectbox("User", [u.name for u in others], index=None, key="change-name")
    user = next((u for u in others if u.name == chosen), None)
    if user is None:
        return
    with st.form("change-user"):
        role = st.selectbox("Role", ROLES, index=ROLES.index(user.role), key="change-role")
        kept = [lib for lib in user.libraries if lib in grantable]
        libraries = st.multiselect("Libraries", grantable, default=kept, key="change-libraries")
        password = st.text_input("New password (empty: unchanged)", type="password", key="change-password")
        save, revoke, remove = st.columns(3)
        saved = save.form_submit_button("Save")
        revoked = revoke.form_submit_button("Sign out everywhere")
        removed = remove.form_submit_button("Remove user")
    if saved:
        if not admin.may_manage(libraries):
            raise AccountError("you may give only libraries you administer")
        store.change_user(user.name, role, libraries, password or None, actor=admin.name, address=address)
        st.success(f"Changed {user.name}.")
    elif revoked:
        ended = store.revoke(user.name, actor=admin.name, address=address)
        st.success(f"Ended {ended} token(s) and session(s) of {user.name}.")
    elif removed:
        store.remove_user(user.name, actor=admin.name, address=address)
        st.success(f"Removed {user.name}.")
