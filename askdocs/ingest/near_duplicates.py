"""Find and merge near-duplicate passages, by their words and their embeddings (exact repeats: exact_duplicates.py).

Near-duplicate rule (see docs/near-duplicates.md). Both texts are normalised to words (case,
punctuation and dashes folded; a navigation marker such as "BACK TO TEXT" at either end dropped).
Passages whose words are then identical merge, like exact repeats, if their cosine similarity is at
least SAME_WORDS_COSINE (their vectors differ by the marker or a title). Otherwise two passages
merge only when all of these hold:

- their embeddings' cosine similarity is at least `near_duplicate_cosine`;
- they state the same numbers, negations, units and comparison or direction words (`critical_words`:
  the same multiset in both), since a merge hides one text and "take 2 tablets" is not "take 20
  tablets", nor "do not take" "take";
- few words were changed: aligned word for word (difflib), the words of the shorter passage that the
  other lacks (replaced, moved or dropped) are at most 6 % of them, but up to 3 for short passages
  (at most 15 % of their words), where each changed word weighs more; word 3-shingle Jaccard, the
  rule before, lost three shingles per changed word, so a 30-word paragraph with three words changed
  fell to about 0.5;
- the word-sequence similarity, 2 x matched words / all words, is at least `near_duplicate_similarity`,
  which bounds text present in one copy only.

Candidates come from MinHash LSH over word 3-shingles (128 permutations, signatures reusable from
the previous build), set for Jaccard 0.5; passages of at most SHORT_CHARS characters are looked up
again in a second LSH over the same signatures set for Jaccard 0.25, which finds short copies with a
few words changed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

import numpy as np

from askdocs.fileio import content_hash
from askdocs.ingest.duplicate_words import critical_words, normal_words
from askdocs.ingest.exact_duplicates import DuplicateGroup, merged_passage
from askdocs.ingest.near_duplicate_bands import band_jobs, band_pairs, candidate_pairs
from askdocs.records import Passage

_TOKEN = re.compile(r"\w+")
SHINGLE = 3
NUM_PERM = 128
# Each LSH is set below the 3-shingle Jaccard of the pairs it must find, so that it misses almost none:
# a 30-word copy with 3 words changed and a marker added keeps about 0.4. The second, looser one holds
# passages of up to SHORT_CHARS characters (about 60 words); on MedQuAD it adds 8k candidates and 2 s
# (up to 700 characters: 234k candidates, 4 s).
LSH_JACCARD = 0.5
SHORT_LSH_JACCARD = 0.25
SHORT_CHARS = 400
# Words of the shorter copy the other may lack: this share of them, but up to SHORT_CHANGES for short
# passages as long as that is at most SHORT_SHARE of them (a 6-word line may change none).
CHANGED_SHARE = 0.06
SHORT_CHANGES = 3
SHORT_SHARE = 0.15
# Candidates whose signatures agree this much may hold the same words, and merge if they do even with
# a cosine below the setting down to SAME_WORDS_COSINE: a marker or a title (the vectors read both)
# moves it. A 10-word text with a 3-word marker keeps a 3-shingle Jaccard of 0.7.
SAME_WORDS_AGREEMENT = 0.5
SAME_WORDS_COSINE = 0.8


def shingles(text: str) -> set[bytes]:
    """Word 3-shingles, case and punctuation folded."""
    words = _TOKEN.findall(text.casefold())
    if len(words) < SHINGLE:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def matched_words(a: Sequence[str], b: Sequence[str]) -> int:
    """How many words of `a` and `b` align, in order (difflib's matching blocks)."""
    # No autojunk: it would drop common words such as "the" from the alignment of long passages.
    return sum(block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())


def changed_words_allowed(words: int) -> int:
    """How many of its `words` words the shorter of two near-duplicates may have that the other lacks."""
    return int(max(CHANGED_SHARE * words, min(SHORT_CHANGES, SHORT_SHARE * words)))


@dataclass(frozen=True)
class NormalText:
    """A passage as the near-duplicate rule reads it: its normal words and their critical words."""

    words: tuple[str, ...]
    critical: Counter[str]

    @classmethod
    def of(cls, text: str) -> NormalText:
        """The normal words of a text."""
        words = tuple(normal_words(text))
        return cls(words, critical_words(words))


def words_match(a: NormalText, b: NormalText, similarity: float) -> bool:
    """True when the words allow a merge: the same critical words, few changed, little added."""
    if a.words == b.words:
        return bool(a.words)
    shorter, total = min(len(a.words), len(b.words)), len(a.words) + len(b.words)
    if not shorter or 2 * shorter < similarity * total or a.critical != b.critical:
        return False
    # A word replaced, moved or dropped is a word of the shorter copy the other lacks; added text is not.
    matched = matched_words(a.words, b.words)
    return shorter - matched <= changed_words_allowed(shorter) and 2 * matched >= similarity * total


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


# Runs a module-level function on each item, in order (`Executor.each`: here, or side by side on Ray).
Each = Callable[[Callable[[Any], Any], list[Any]], list[Any]]


def one_by_one(function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    """The default `Each`: in this process, in turn."""
    return [function(item) for item in items]


def near_duplicate_pairs(
    texts: Sequence[str],
    similarity: float,
    vectors: np.ndarray | None = None,
    cosine: float = -1.0,
    signatures: np.ndarray | None = None,
    each: Each = one_by_one,
    parts: int = 1,
) -> list[tuple[int, int]]:
    """Index pairs that are near-duplicates by the rule above (given `vectors`, their cosine included).

    MinHash LSH proposes candidates (short passages also from a second, looser LSH), its bands in
    `parts` jobs (near_duplicate_bands.py); each candidate is then checked word by word, also in
    `parts` jobs; `each` runs the jobs. `signatures` (from `minhash_signatures`) saves computing them again.
    """
    if signatures is None:
        signatures = minhash_signatures(texts)
    short = np.asarray([len(text) <= SHORT_CHARS for text in texts], dtype=bool)
    jobs = band_jobs(signatures, short, LSH_JACCARD, SHORT_LSH_JACCARD, parts)
    candidates = candidate_pairs(each(band_pairs, jobs), len(texts))
    checks = [
        PairCheck.of(texts, vectors, signatures, group, similarity, cosine)
        for group in _split_by_later(candidates, parts)
    ]
    kept = [pair for found in each(check_pairs, checks) for pair in found]
    return [(int(j), int(i)) for j, i in kept]


def _split_by_later(pairs: np.ndarray, parts: int) -> list[np.ndarray]:
    """`pairs` (sorted by later passage) in up to `parts` runs of about equal size, no later passage split."""
    if not len(pairs):
        return []
    cuts = [int(c) for c in np.linspace(0, len(pairs), parts + 1)[1:-1]]
    cuts = sorted({int(np.searchsorted(pairs[:, 1], pairs[c, 1])) for c in cuts if c < len(pairs)} - {0})
    return [run for run in np.split(pairs, cuts) if len(run)]


@dataclass(frozen=True)
class PairCheck:
    """Candidate pairs to check and what checking them reads: the passages involved (`ids`, ascending),
    their texts, vectors and signatures; pairs as positions among them."""

    ids: np.ndarray
    pairs: np.ndarray
    texts: list[str]
    vectors: np.ndarray | None
    signatures: np.ndarray
    similarity: float
    cosine: float

    @classmethod
    def of(
        cls,
        texts: Sequence[str],
        vectors: np.ndarray | None,
        signatures: np.ndarray,
        pairs: np.ndarray,
        similarity: float,
        cosine: float,
    ) -> PairCheck:
        """The check of `pairs` (global numbers), with only the rows it reads."""
        ids = np.unique(pairs)
        local = np.searchsorted(ids, pairs)
        rows = vectors[ids] if vectors is not None else None
        return cls(ids, local, [texts[i] for i in ids.tolist()], rows, signatures[ids], similarity, cosine)


def check_pairs(check: PairCheck) -> list[tuple[int, int]]:
    """The candidate pairs that are near-duplicates by the rule above, as (earlier, later) numbers."""
    normal: dict[int, NormalText] = {}

    def normal_text(i: int) -> NormalText:  # only passages with a candidate are read word by word
        if i not in normal:
            normal[i] = NormalText.of(check.texts[i])
        return normal[i]

    found: list[tuple[int, int]] = []
    later = check.pairs[:, 1]
    for run in np.split(check.pairs, np.flatnonzero(np.diff(later)) + 1):
        i, candidates = int(run[0, 1]), run[:, 0]
        close = np.ones(candidates.size, dtype=bool)
        if check.vectors is not None:
            # Templated answers (MedQuAD's "resources for X" pages) share most shingles with hundreds
            # of others; one matrix product rules most out before any word is compared (4,000 answers:
            # 571k candidates, 13 s -> 2 s).
            cosines = check.vectors[candidates] @ check.vectors[i]
            close = cosines >= check.cosine
            agree = (check.signatures[candidates] == check.signatures[i]).mean(axis=1) >= SAME_WORDS_AGREEMENT
            kept = np.flatnonzero(close | (agree & (cosines >= SAME_WORDS_COSINE)))
            candidates, close = candidates[kept], close[kept]
        current = normal_text(i)
        for j, is_close in zip(candidates.tolist(), close.tolist()):
            other = normal_text(j)
            if (current.words and current.words == other.words) or (
                is_close and words_match(current, other, check.similarity)
            ):
                found.append((int(check.ids[j]), int(check.ids[i])))
    return found


def merge_near(
    passages: Sequence[Passage],
    vectors: np.ndarray,
    similarity: float,
    cosine: float,
    signatures: np.ndarray | None = None,
    each: Each = one_by_one,
    parts: int = 1,
) -> tuple[list[Passage], list[int], list[DuplicateGroup]]:
    """Merge near-duplicate passages (the rule above; `vectors` holds one unit row each); the
    candidates found and checked in `parts` jobs run by `each`.

    Returns the merged passages, for each the index of the input passage whose text was kept,
    and the groups merged.
    """
    pairs = near_duplicate_pairs([p.text for p in passages], similarity, vectors, cosine, signatures, each, parts)
    merged: list[Passage] = []
    kept: list[int] = []
    groups: list[DuplicateGroup] = []
    for group in connected_groups(pairs, len(passages)):
        passage = merged_passage([passages[i] for i in group])
        merged.append(passage)
        kept.append(max(group, key=lambda i: len(passages[i].text)))
        if len(group) > 1:
            groups.append(DuplicateGroup("near", passage.text, passage.citations))
    return merged, kept, groups


def connected_groups(pairs: Iterable[tuple[int, int]], size: int) -> list[list[int]]:
    """Items 0 to size - 1 grouped by the pairs that join them (union-find); groups by their first member."""
    parent = list(range(size))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in pairs:
        parent[find(b)] = find(a)
    members: dict[int, list[int]] = {}
    for i in range(size):
        members.setdefault(find(i), []).append(i)
    return list(members.values())
