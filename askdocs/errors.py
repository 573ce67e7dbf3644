"""The package's own exceptions; each message says how to fix the problem."""

from __future__ import annotations


class AskdocsError(Exception):
    """Base class for every error askdocs raises on purpose."""


class IndexMissingError(AskdocsError):
    """No index at the given folder."""


class IndexCorruptError(AskdocsError):
    """The index folder is damaged: a file is missing, truncated or altered."""


class IndexMismatchError(AskdocsError):
    """The index was built with another format version, model or settings."""


class EmptyCorpusError(AskdocsError):
    """The corpus holds no indexable text."""


class IngestLockedError(AskdocsError):
    """Another ingest is writing the same index."""


class Int8UnavailableError(AskdocsError):
    """The int8 encoder cannot run this model here (fp32 is used instead)."""


class UnsafeBindError(AskdocsError):
    """The HTTP API was asked to listen beyond this machine without a token."""


def rebuild_hint(index_dir: object) -> str:
    """The command that rebuilds an index, for error messages."""
    return f"run `python ingest.py --index {index_dir}` to rebuild it"


class QuerySyntaxError(AskdocsError):
    """A question whose operators cannot be read (`after:yesterday`, an unclosed quote); the message
    names the syntax."""


class AccountError(AskdocsError):
    """A user, role, library or token the accounts cannot take (the message says which, and what would do)."""
