"""Whether two checkouts answer alike: every dev-set and seed question's hits, dumped and compared.

    python bench/same_hits.py dump OUT.jsonl [--cache bench/.cache] [--k 10] [--limit 500]
    python bench/same_hits.py compare A.jsonl B.jsonl
    python bench/same_hits.py builds INDEX_A INDEX_B

`dump` asks every question of the dev sets (bench/beir.py) and the seed questions of the indexes
bench/quality.py built under the cache, in the three modes, and writes each hit's passage (by
SHA-256), score and similarity (to 6 decimals), citations, highlight and confidence. `compare`
reports every question whose hits differ. `builds` compares two live builds file by file through
their manifests' SHA-256s (the manifest's own dates and paths aside), and their BM25 indexes score
by score (`bm25_by_token`: bm25s's own files differ between any two runs). A refactoring that changes no
behaviour gives identical dumps and identical builds (docs/changelog.md, 2026-12-04). Only the public
API is used, so the same file runs against an older checkout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from beir import DEV_SETS  # noqa: E402

from askdocs import Searcher  # noqa: E402

MODES = ("hybrid", "dense", "keyword")


def hit_record(hit: object) -> dict[str, object]:
    """What must be the same of a hit: its passage, score, similarity, citations, highlight and confidence."""
    return {
        "text": hashlib.sha256(hit.text.encode("utf-8")).hexdigest()[:16],
        "score": round(float(hit.score), 6),
        "similarity": None if hit.similarity is None else round(float(hit.similarity), 6),
        "citations": [c.to_json() for c in hit.citations],
        "highlight": list(hit.highlight) if hit.highlight else None,
        "confident": bool(hit.confident),
    }


def questions(cache: Path, limit: int) -> list[tuple[Path, str, str]]:
    """(index folder, question id, question) for every dev set and the seed questions."""
    asked = []
    for dev in DEV_SETS:
        index = cache / ("medquad" if dev.name == "medquad-long" else dev.name) / "index"
        queries, _, _ = dev.load()
        # Every `every`-th question of a large set keeps a dump to minutes (MedQuAD: 3,109 questions).
        every = max(1, len(queries) // limit) if limit else 1
        asked += [(index, f"{dev.name}/{qid}", text) for qid, text in sorted(queries.items())[::every]]
    seeds = [json.loads(line) for line in (ROOT / "bench" / "seed_questions.jsonl").read_text().splitlines()]
    asked += [(cache / "seeds" / "index", f"seeds/{n}", case["question"]) for n, case in enumerate(seeds)]
    return asked


def dump(out: Path, cache: Path, k: int, limit: int) -> None:
    """Write every question's hits in every mode."""
    searchers: dict[Path, Searcher] = {}
    with out.open("w", encoding="utf-8") as sink:
        for index, qid, text in questions(cache, limit):
            searcher = searchers.setdefault(index, Searcher.load(index))
            for mode in MODES:
                hits = [hit_record(h) for h in searcher.search(text, k=k, mode=mode)]
                sink.write(json.dumps({"id": qid, "mode": mode, "hits": hits}, sort_keys=True) + "\n")
    print(f"wrote {out}")


def compare(a: Path, b: Path) -> int:
    """Print the questions whose hits differ; 0 when none do."""
    left = [json.loads(line) for line in a.read_text(encoding="utf-8").splitlines()]
    right = [json.loads(line) for line in b.read_text(encoding="utf-8").splitlines()]
    if [(r["id"], r["mode"]) for r in left] != [(r["id"], r["mode"]) for r in right]:
        print("the two dumps ask different questions")
        return 1
    differ = [f"{x['id']} ({x['mode']})" for x, y in zip(left, right) if x != y]
    print(f"{len(left)} question-mode pairs, {len(left) - len(differ)} identical, {len(differ)} differ")
    print("\n".join(differ[:20]))
    return 1 if differ else 0


def bm25_by_token(build: Path) -> dict[tuple[str, int], float]:
    """A build's BM25 matrix as (token, chunk) -> score: bm25s numbers tokens in a set's order, which
    changes from one process to the next (hash randomisation), so its files differ between any two
    builds of the same corpus while every score is the same."""
    import numpy as np

    folder = build / "bm25"
    vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
    token_of = {column: token for token, column in vocab.items()}
    data, rows, starts = (np.load(folder / f"{name}.csc.index.npy") for name in ("data", "indices", "indptr"))
    return {
        (token_of[column], int(rows[at])): float(data[at])
        for column in range(len(starts) - 1)
        for at in range(starts[column], starts[column + 1])
    }


def builds(a: Path, b: Path) -> int:
    """Compare two live builds: every file by its recorded SHA-256, the BM25 index by its scores per token."""

    def live(index: Path) -> Path:
        return index / (index / "CURRENT").read_text(encoding="utf-8").strip()

    def files(build: Path) -> dict[str, object]:
        recorded = json.loads((build / "manifest.json").read_text(encoding="utf-8"))["files"]
        return {name: value for name, value in recorded.items() if not name.startswith("bm25/")}

    left, right = live(a), live(b)
    differ = sorted(n for n in set(files(left)) | set(files(right)) if files(left).get(n) != files(right).get(n))
    if bm25_by_token(left) != bm25_by_token(right):
        differ.append("bm25/ (scores by token)")
    print(f"{len(files(left))} files besides bm25/ in A, {len(files(right))} in B; differing: {differ or 'none'}")
    return 1 if differ else 0


def main() -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--cache", type=Path, default=ROOT / "bench" / ".cache")
    d.add_argument("--k", type=int, default=10)
    d.add_argument("--limit", type=int, default=500, help="about this many questions a set at most (0: all)")
    c = sub.add_parser("compare")
    c.add_argument("a", type=Path)
    c.add_argument("b", type=Path)
    bl = sub.add_parser("builds")
    bl.add_argument("a", type=Path)
    bl.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out, args.cache, args.k, args.limit)
        return 0
    if args.command == "compare":
        return compare(args.a, args.b)
    return builds(args.a, args.b)


if __name__ == "__main__":
    sys.exit(main())
