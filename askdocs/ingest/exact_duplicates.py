"""Merge passages repeated word for word (by content hash), and the records of what a build merged.

Near repeats are merged later, once passages have vectors (`near_duplicates.merge_near`), into the
same kind of `DuplicateGroup`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from askdocs.fileio import content_hash
from askdocs.records import Citation, Passage


@dataclass(frozen=True)
class DuplicateGroup:
    """Passages merged into one: the text kept and every place it came from."""

    kind: str  # "exact" or "near"
    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class DedupResult:
    """Unique passages and the groups merged to get them."""

    passages: list[Passage]
    groups: list[DuplicateGroup]

    def count(self, kind: str) -> int:
        """Number of groups of the given kind."""
        return sum(group.kind == kind for group in self.groups)


def merged_passage(members: Sequence[Passage]) -> Passage:
    """One passage for a group: the most complete text, every citation in order."""
    keep = max(members, key=lambda p: len(p.text))
    citations: list[Citation] = []
    for member in members:
        citations.extend(c for c in member.citations if c not in citations)
    return Passage(keep.text, tuple(citations), keep.title, keep.line_starts)


def content_hashes(texts: list[str]) -> list[str]:
    """Each text's content hash (a part of the corpus's, on a worker: `Executor.each`)."""
    return [content_hash(text) for text in texts]


def merge_exact(passages: Sequence[Passage], hashes: Sequence[str] | None = None) -> DedupResult:
    """Merge passages whose normalised text is identical; `hashes`, when given, are their content hashes."""
    by_hash: dict[str, list[Passage]] = {}
    for passage, key in zip(passages, hashes or content_hashes([p.text for p in passages])):
        by_hash.setdefault(key, []).append(passage)
    merged = [merged_passage(group) for group in by_hash.values()]
    groups = [DuplicateGroup("exact", m.text, m.citations) for m, g in zip(merged, by_hash.values()) if len(g) > 1]
    return DedupResult(merged, groups)
