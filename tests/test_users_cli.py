"""`python -m askdocs users`: accounts managed from the terminal (serve/users_cli.py)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from askdocs.accounts import AccountStore
from askdocs.serve.cli import main


def users(folder: Path, *argv: str) -> int:
    return main(["users", "--libraries", str(folder), *argv])


def test_add_token_list_revoke_and_audit(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    assert users(tmp_path, "add", "alice", "--role", "editor", "--library", "legal", "--library", "handbook") == 0
    assert users(tmp_path, "add", "hana", "--role", "reader", "--library", "legal", "--library", "hr:editor") == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert users(tmp_path, "add", "root", "--role", "admin", "--library", "*", "--password-stdin") == 0
    capsys.readouterr()
    assert users(tmp_path, "token", "alice") == 0
    token = capsys.readouterr().out.strip()
    store = AccountStore.beside(tmp_path)
    assert store.user_for_token(token).name == "alice"  # type: ignore[union-attr]
    assert store.sign_in("root", "correct horse battery") is not None
    assert users(tmp_path, "list") == 0
    assert capsys.readouterr().out.splitlines() == [
        "alice: editor of handbook, legal",
        "hana: reader of legal; editor of hr",
        "root: admin of *",
    ]
    assert users(tmp_path, "revoke", "alice") == 0
    assert store.user_for_token(token) is None
    assert users(tmp_path, "change", "alice", "--role", "reader") == 0
    assert users(tmp_path, "remove", "alice") == 0
    capsys.readouterr()
    assert users(tmp_path, "audit") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[2] for line in lines] == [
        "remove user",
        "change user",
        "revoke",
        "issue token",
        "add user",
        "add user",
        "add user",
    ]


def test_refusals_are_exit_2_with_the_fix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert users(tmp_path, "add", "alice", "--role", "reader") == 2
    assert "at least one library" in capsys.readouterr().err
    assert users(tmp_path, "token", "nobody") == 2
    assert "users add" in capsys.readouterr().err
    assert users(tmp_path / "missing", "list") == 2
    assert "does not exist" in capsys.readouterr().err
