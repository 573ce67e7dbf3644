"""Accounts for a shared folder of libraries: users with a role per library, API tokens, sessions, an audit log.

`store.py` owns the database (one SQLite file beside the libraries, `ACCOUNTS_FILE`); `roles.py` says
what each role may do; `passwords.py` hashes passwords (Argon2id). Serving reads these; nothing here
imports a server.
"""

from askdocs.accounts.records import EVERY_LIBRARY, OWNER, AuditEntry, TokenInfo, User
from askdocs.accounts.roles import ROLES, allows
from askdocs.accounts.store import ACCOUNTS_FILE, AccountStore, folder_accounts

__all__ = [
    "ACCOUNTS_FILE",
    "EVERY_LIBRARY",
    "OWNER",
    "ROLES",
    "AccountStore",
    "AuditEntry",
    "TokenInfo",
    "User",
    "allows",
    "folder_accounts",
]
