"""`python -m askdocs users --libraries DIR ...`: add, change, list and remove users, issue and revoke tokens,
read the audit log of a folder of libraries (askdocs/accounts/). Errors become exit code 2 here, at the edge."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from pathlib import Path

from askdocs.accounts import ROLES, AccountStore, User
from askdocs.errors import AskdocsError


def add_users_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`python -m askdocs users`: the accounts of a folder of libraries."""
    users = commands.add_parser("users", help="manage the accounts of a folder of libraries")
    users.add_argument("--libraries", required=True, help="the folder of libraries the accounts are for")
    actions = users.add_subparsers(dest="action", required=True)
    for name, about in (("add", "add a user"), ("change", "change a user's role, libraries or password")):
        action = actions.add_parser(name, help=about)
        action.add_argument("name")
        action.add_argument("--role", choices=ROLES, required=name == "add")
        action.add_argument(
            "--library",
            action="append",
            help="a library the role applies to (repeatable; '*' for every one; NAME:ROLE for a role of its own there)",
        )
        action.add_argument("--password-stdin", action="store_true", help="read a password (to sign in) from stdin")
        action.add_argument("--password", action="store_true", help="ask for a password (to sign in) at the terminal")
    for name, about in (
        ("remove", "remove a user, their tokens and sessions"),
        ("token", "print a new API token for the user (shown once)"),
        ("revoke", "end every token and session of the user at once"),
    ):
        actions.add_parser(name, help=about).add_argument("name")
    actions.add_parser("list", help="every user, their role and libraries")
    audit = actions.add_parser("audit", help="the newest changes: uploads, removals, user changes")
    audit.add_argument("--limit", type=int, default=50)


def users_main(args: argparse.Namespace) -> int:
    """Run one `users` action; 0 when done, 2 with a message naming the fix when refused."""
    folder = Path(args.libraries)
    if not folder.is_dir():
        print(f"error: the folder of libraries {folder} does not exist", file=sys.stderr)
        return 2
    try:
        store = AccountStore.beside(folder)
        for line in _run(store, args):
            print(line)
    except AskdocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _run(store: AccountStore, args: argparse.Namespace) -> list[str]:
    """What an action prints."""
    actor = f"{getpass.getuser()} (command line)"
    if args.action in ("add", "change"):
        password = _password(args)
        if args.action == "add":
            user = store.add_user(args.name, args.role, args.library or [], password, actor=actor)
        else:
            user = store.change_user(args.name, args.role, args.library, password, actor=actor)
        return [_describe(user)]
    if args.action == "remove":
        store.remove_user(args.name, actor=actor)
        return [f"removed {args.name}"]
    if args.action == "token":
        return [store.issue_token(args.name, actor=actor)]
    if args.action == "revoke":
        return [f"revoked {store.revoke(args.name, actor=actor)} token(s) and session(s) of {args.name}"]
    if args.action == "list":
        return [_describe(user) for user in store.users()] or ["no users yet"]
    return [
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(e.at))} UTC  {e.actor}  {e.action}  {e.target}"
        + (f"  from {e.address}" if e.address else "")
        for e in store.audit(args.limit)
    ]


def _password(args: argparse.Namespace) -> str | None:
    """A password from stdin (one line) or the terminal, or None when none is asked for."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if args.password:
        return getpass.getpass(f"password for {args.name}: ")
    return None


def _describe(user: User) -> str:
    return user.describe()
