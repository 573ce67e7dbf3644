"""What an admin's view of the audit log shows: nothing about libraries or users beyond theirs."""

from __future__ import annotations

from askdocs.accounts import AuditEntry, User
from askdocs.serve.page.account_panel import audit_for

ENTRIES = [
    AuditEntry(1.0, "ed", "upload", "legal/contract.pdf", "10.0.0.1"),
    AuditEntry(2.0, "hr-bot", "upload", "hr/salaries.xlsx", "10.0.0.2"),
    AuditEntry(3.0, "root (command line)", "add user", "rita (reader: legal)", ""),
    AuditEntry(4.0, "root (command line)", "change user", "hank: role", ""),
    AuditEntry(5.0, "rita", "sign-in failed", "", "10.0.0.3"),
    AuditEntry(6.0, "lena", "remove user", "gone", "10.0.0.4"),
]


def test_an_admin_of_every_library_reads_the_whole_log() -> None:
    root = User("root", "admin", ("*",))
    assert audit_for(root, [], ENTRIES) == ENTRIES


def test_an_admin_of_one_library_reads_only_what_concerns_it_and_their_users() -> None:
    lena = User("lena", "reader", ("hr", "legal"), (("legal", "admin"),))
    shown = audit_for(lena, ["rita"], ENTRIES)
    assert [entry.at for entry in shown] == [1.0, 3.0, 5.0, 6.0]
    assert not any("hr" in entry.target or "hank" in entry.target for entry in shown)
