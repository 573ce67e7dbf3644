"""Merge repeated passages: exact repeats by content hash, near repeats by MinHash + embeddings.

Near-duplicate rule: two passages are near-duplicates when the Jaccard similarity of their
word 3-shingles (case and punctuation folded; candidates found by MinHash LSH over 128
permutations, then checked exactly) is at least `near_duplicate_jaccard`, *and* the cosine similarity of their
embeddings is at least `near_duplicate_cosine`. The first test finds small edits (other quotes,
a few changed words, a trailing marker); the second stops passages that share most of their
wording but say different things (a changed number or negation) from merging.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from askdocs.records import Citation, Passage

_TOKEN = re.compile(r"\w+")
SHINGLE = 3
NUM_PERM = 128


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


def content_hash(text: str) -> str:
    """Stable identity of a normalised text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _merge(members: Sequence[Passage]) -> Passage:
    """One passage for a group: the most complete text, every citation in order."""
    keep = max(members, key=lambda p: len(p.text))
    citations: list[Citation] = []
    for member in members:
        citations.extend(c for c in member.citations if c not in citations)
    return Passage(keep.text, tuple(citations), keep.title, keep.line_starts)


def merge_exact(passages: Sequence[Passage]) -> DedupResult:
    """Merge passages whose normalised text is identical."""
    by_hash: dict[str, list[Passage]] = {}
    for passage in passages:
        by_hash.setdefault(content_hash(passage.text), []).append(passage)
    merged = [_merge(group) for group in by_hash.values()]
    groups = [DuplicateGroup("exact", m.text, m.citations) for m, g in zip(merged, by_hash.values()) if len(g) > 1]
    return DedupResult(merged, groups)


def shingles(text: str) -> set[bytes]:
    """Word 3-shingles, case and punctuation folded."""
    words = _TOKEN.findall(text.casefold())
    if len(words) < SHINGLE:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


@lru_cache(maxsize=1)
def _scheme() -> str:
    """The hashing scheme of datasketch's MinHash, needed to rebuild one from stored hash values."""
    from datasketch import MinHash

    return str(MinHash(num_perm=NUM_PERM).scheme)


def compute_signatures(texts: Sequence[str]) -> np.ndarray:
    """Each text's MinHash signature over its word 3-shingles (NUM_PERM uint32 values)."""
    from datasketch import MinHash

    signatures = np.zeros((len(texts), NUM_PERM), dtype=np.uint32)
    for i, minhash in enumerate(MinHash.bulk((list(shingles(text)) for text in texts), num_perm=NUM_PERM)):
        signatures[i] = minhash.hashvalues
    return signatures


def minhash_signatures(
    texts: Sequence[str],
    known: Mapping[str, np.ndarray] | None = None,
    compute: Callable[[list[str]], np.ndarray] = compute_signatures,
) -> np.ndarray:
    """Each text's MinHash signature, taken from `known` (by content hash) where there, else from `compute`."""
    known = known or {}
    signatures = np.zeros((len(texts), NUM_PERM), dtype=np.uint32)
    todo = []
    for i, text in enumerate(texts):
        row = known.get(content_hash(text))
        if row is None:
            todo.append(i)
        else:
            signatures[i] = row
    if todo:
        signatures[todo] = compute([texts[i] for i in todo])
    return signatures


def near_duplicate_pairs(
    texts: Sequence[str],
    threshold: float,
    vectors: np.ndarray | None = None,
    cosine: float = -1.0,
    signatures: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Index pairs whose shingle Jaccard similarity reaches the threshold (and, given `vectors`, whose cosine does).

    MinHash LSH, set well below the threshold so that it misses almost no pair, proposes
    candidates; each is then checked with the exact Jaccard similarity of the shingle sets.
    `signatures` (from `minhash_signatures`) saves computing them again.
    """
    from datasketch import LeanMinHash, MinHashLSH

    if signatures is None:
        signatures = minhash_signatures(texts)
    lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=NUM_PERM)
    sets: dict[int, set[bytes]] = {}

    def shingle_set(i: int) -> set[bytes]:  # only passages with a candidate need their set
        if i not in sets:
            sets[i] = shingles(texts[i])
        return sets[i]

    pairs: list[tuple[int, int]] = []
    for i, row in enumerate(signatures):
        minhash = LeanMinHash(seed=1, hashvalues=row, scheme=_scheme())
        candidates = sorted(lsh.query(minhash))
        if vectors is not None and candidates:
            # Templated answers (MedQuAD's "resources for X" pages) share most shingles with hundreds
            # of others; one matrix product rules most out before any set operation (4,000 answers:
            # 571k candidates, 13 s -> 2 s).
            close = vectors[candidates] @ vectors[i] >= cosine
            candidates = [j for j, keep in zip(candidates, close) if keep]
        for j in candidates:
            current, other = shingle_set(i), shingle_set(j)
            # Jaccard <= smaller/larger size, so pairs of very different sizes need no set operation.
            if min(len(current), len(other)) < threshold * max(len(current), len(other)):
                continue
            shared = len(current & other)
            if shared >= threshold * (len(current) + len(other) - shared):
                pairs.append((j, i))
        lsh.insert(i, minhash)
    return pairs


def merge_near(
    passages: Sequence[Passage],
    vectors: np.ndarray,
    threshold: float,
    cosine: float,
    signatures: np.ndarray | None = None,
) -> tuple[list[Passage], list[int], list[DuplicateGroup]]:
    """Merge near-duplicate passages that their embeddings (`vectors`, one unit row each) confirm.

    Returns the merged passages, for each the index of the input passage whose text was kept,
    and the groups merged.
    """
    parent = list(range(len(passages)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in near_duplicate_pairs([p.text for p in passages], threshold, vectors, cosine, signatures):
        parent[find(b)] = find(a)
    members: dict[int, list[int]] = {}
    for i in range(len(passages)):
        members.setdefault(find(i), []).append(i)
    merged: list[Passage] = []
    kept: list[int] = []
    groups: list[DuplicateGroup] = []
    for group in members.values():
        passage = _merge([passages[i] for i in group])
        merged.append(passage)
        kept.append(max(group, key=lambda i: len(passages[i].text)))
        if len(group) > 1:
            groups.append(DuplicateGroup("near", passage.text, passage.citations))
    return merged, kept, groups
