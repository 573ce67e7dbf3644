"""Accounts for a shared folder of libraries: users with a role per library, API tokens, sessions, an audit log.

`store.py` owns the database (one SQLite file beside the libraries, `ACCOUNTS_FILE`); `roles.py` says
what each role may do; `passwords.py` hashes passwords (Argon2id). Serving reads these; nothing here
imports a server.
"""

from askdocs.accounts.roles import ROLES, allows
from askdocs.accounts.store import ACCOUNTS_FILE, AccountStore, AuditEntry, User, folder_has_accounts

__all__ = ["ACCOUNTS_FILE", "ROLES", "AccountStore", "AuditEntry", "User", "allows", "folder_has_accounts"]
