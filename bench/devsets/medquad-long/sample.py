"""The MedQuAD dev questions that medquad-long rewrites: a fixed-seed sample spread over sources and question types.

    python bench/devsets/medquad-long/sample.py [--data ../shared/bench/medquad] [--show]

Prints the sampled question ids (with `--show`: each question and its relevant document, to read
before writing the rewrite), and checks that queries.jsonl and qrels/dev.tsv cover exactly this sample.
The sample uses the documents only; no search system takes part in choosing it.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[3] / "shared" / "bench" / "medquad"
SEED = 20250
# Questions per source; the four dev sources get near-equal shares although their sizes differ.
PER_SOURCE = {"NIDDK": 38, "NINDS": 38, "NHLBI": 37, "CDC": 37}
# Questions whose document, read before writing, does not answer them; the sample skips them and takes the
# next question of the same source and type instead.
UNANSWERED = {
    "NIDDK_0000098_Sec2": "its document describes the GI tract in general, not dumping syndrome",
    "NIDDK_0000218_Sec4": "its document is one sentence ('Urine leakage has many possible causes') that names no cause",
    "NINDS_0000187_Sec1": "its document is about Lyme disease, not Machado-Joseph disease (a MedQuAD mismatch)",
    "CDC_0000146_Sec3": "its document is about case definitions and sending specimens to CDC, not what ehrlichiosis is",
    "CDC_0000014_Sec3": "its document is about case definitions and sending specimens to CDC, not what anaplasmosis is",
}


def load(data: Path) -> tuple[list[dict[str, str]], dict[str, str], dict[str, str]]:
    """Dev questions, each question's relevant document id, and each document's text."""
    queries = [json.loads(line) for line in (data / "queries-dev.jsonl").read_text(encoding="utf-8").splitlines()]
    relevant = {}
    for line in (data / "qrels-dev.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query_id, doc_id, _ = line.split("\t")
        relevant[query_id] = doc_id
    texts = {}
    for line in (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts[record["_id"]] = record["text"]
    return queries, relevant, texts


def sample(queries: list[dict[str, str]], relevant: dict[str, str], texts: dict[str, str]) -> list[str]:
    """Question ids: per source, round-robin over its question types, a seeded random question of each."""
    # An answer that appears verbatim under other ids (shared boilerplate) cannot be told apart from its copies,
    # so a question about it has no single right answer; such questions are left out.
    copies = Counter(texts.values())
    rng = random.Random(SEED)
    chosen: list[str] = []
    for source, wanted in PER_SOURCE.items():
        by_type: dict[str, list[str]] = {}
        for query in queries:
            doc = relevant.get(query["_id"])
            if query["_id"].startswith(source + "_") and doc and copies[texts[doc]] == 1:
                by_type.setdefault(query["qtype"], []).append(query["_id"])
        for ids in by_type.values():
            rng.shuffle(ids)
        taken = 0
        while taken < wanted:
            for qtype in sorted(by_type):
                # Skipping past an unanswered question leaves every other pick as it was.
                while by_type[qtype] and by_type[qtype][-1] in UNANSWERED:
                    by_type[qtype].pop()
                if by_type[qtype] and taken < wanted:
                    chosen.append(by_type[qtype].pop())
                    taken += 1
    return chosen


def main() -> None:
    """Print the sample; check the written set against it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--show", action="store_true", help="print each question and its relevant document")
    args = parser.parse_args()
    queries, relevant, texts = load(args.data)
    by_id = {q["_id"]: q for q in queries}
    chosen = sample(queries, relevant, texts)
    for query_id in chosen:
        query = by_id[query_id]
        print(query_id, query["qtype"], query["text"], sep="\t")
        if args.show:
            print("    " + relevant[query_id] + ": " + texts[relevant[query_id]] + "\n")
    written = HERE / "queries.jsonl"
    if written.exists():
        ids = [json.loads(line)["_id"] for line in written.read_text(encoding="utf-8").splitlines()]
        qrels = (HERE / "qrels" / "dev.tsv").read_text(encoding="utf-8").splitlines()[1:]
        expected = {("long-" + q, relevant[q]) for q in chosen}
        got = {tuple(line.split("\t")[:2]) for line in qrels}
        assert ids == ["long-" + q for q in chosen], "queries.jsonl does not follow the sample"
        assert got == expected, "qrels/dev.tsv does not match the sampled questions' qrels"
        print(f"queries.jsonl and qrels/dev.tsv match the {len(chosen)} sampled questions")


if __name__ == "__main__":
    main()
