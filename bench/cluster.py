"""A library bigger than one machine (#29): a sharded index built and served on Ray, at 2M chunks.

    python bench/cluster.py [--chunks 2000000] [--shards 4] [--ray local:2] [--questions 200]

The library: MedQuAD's build (bench/.cache/medquad, made by bench/quality.py) repeated until it has
`--chunks` chunks; each copy's passages live in files of their own (64 per copy, so they spread over
the shards), carry a word of their own and get vectors with a little noise. Only the model never runs:
texts, words, vectors, sentence vectors, indexes and rows are real and written by askdocs' own code.

1. build, each step beside today's single-machine way in the same run:
   - content hashes of every passage (exact duplicates), and near-duplicate LSH over given MinHash
     signatures (random, with one planted copy per 1,000 passages) with the candidates' checks:
     one process (parts=1) against parts on Ray workers (`Executor.each`);
   - the build written: one folder by one process (today: words, BM25, IVF, rows) against
     `--shards` shards written by Ray workers (`sharding.write_sharded_build`, each worker its
     shard's words, word counts, IVF and rows).
2. serve: the same questions, one at a time, answered by an in-process Searcher of the unsharded
   and of the sharded build, by `python -m askdocs serve` (uvicorn) on the sharded build, and by
   `python -m askdocs serve --ray` (Ray Serve: a deployment per shard, the router): p50/p95; each
   shard replica's memory (its own, and its proportional share of the mapped index files).
Results go to bench/results/cluster-DATE.json. Servers listen on 127.0.0.1; every load stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from speed import CACHE, percentiles  # noqa: E402

from askdocs.index import publication  # noqa: E402
from askdocs.index.build_folder import BuildWriter  # noqa: E402
from askdocs.index.recorded_encoder import recorded_encoder  # noqa: E402
from askdocs.ingest.chunking import embed_text  # noqa: E402
from askdocs.ingest.corpus import CorpusFile, Document  # noqa: E402
from askdocs.ingest.embed import Embedded  # noqa: E402
from askdocs.ingest.exact_duplicates import DedupResult, content_hashes, merge_exact  # noqa: E402
from askdocs.ingest.executor import in_parts  # noqa: E402
from askdocs.ingest.near_duplicates import near_duplicate_pairs  # noqa: E402
from askdocs.ingest.prepare import PreparedBuild  # noqa: E402
from askdocs.records import Chunk, Passage  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORK = CACHE / "cluster"
PY = sys.executable


def synthetic_build(size: int) -> tuple[PreparedBuild, Any, Any]:
    """MedQuAD's build repeated to `size` chunks, as a PreparedBuild; with its encoder and settings."""
    reader, manifest = publication.open_live(CACHE / "medquad" / "index", verify=False)
    passages, chunks = reader.passages()[:], reader.chunks()[:]
    stored = reader.chunk_vectors()
    base = np.asarray(stored.vectors)
    offsets = np.asarray(stored.offsets)
    sentences = [np.asarray(stored.sentences[offsets[i] : offsets[i + 1]]) for i in range(len(chunks))]
    copies = -(-size // len(chunks))
    rng = np.random.default_rng(0)
    every_vector = np.concatenate([base] * copies)
    every_vector += rng.normal(scale=0.02, size=every_vector.shape).astype(np.float32)
    every_vector /= np.linalg.norm(every_vector, axis=1, keepdims=True)
    # A chunk's text and words are the same objects in every copy (memory: 2M chunks' texts twice
    # would be 5 GB); a copy's passages differ by a word of their own, so no two are exact duplicates.
    texts = [passages[c.passage_id].text[c.span[0] : c.span[1]] for c in chunks]
    words = [embed_text(passages[c.passage_id].title, text) for c, text in zip(chunks, texts)]
    new_passages: list[Passage] = []
    new_chunks: list[Chunk] = []
    for k in range(copies):

        def moved(citations: tuple[Any, ...], pid: int, k: int = k) -> tuple[Any, ...]:
            return tuple(
                replace(c, source=f"copy{k:03d}/part{pid % 64:02d}.jsonl", doc_id=f"{c.doc_id}#{k}") for c in citations
            )

        start = len(new_passages)
        new_passages.extend(
            replace(p, text=f"{p.text} copyword{k}", citations=moved(p.citations, i)) for i, p in enumerate(passages)
        )
        new_chunks.extend(
            Chunk(c.passage_id + start, texts[i], c.span, moved(c.citations, c.passage_id), words[i])
            for i, c in enumerate(chunks)
        )
    embedded = [Embedded(every_vector[i], sentences[i % len(chunks)]) for i in range(len(new_chunks))]
    sources = sorted({c.source for p in new_passages for c in p.citations})
    documents = [Document(s, f"{abs(hash(s)):064x}"[:64], 1, [], [], "en") for s in sources]
    files = [CorpusFile(Path(s), s, 1, 0) for s in sources]
    prepared = PreparedBuild(
        files=files,
        library={},
        documents=documents,
        skipped=[],
        passages_read=len(new_passages),
        deduped=DedupResult(new_passages, []),
        chunks=new_chunks,
        embedded=embedded,
        vectors=every_vector,
        hashes=[f"{i}" for i in range(len(new_chunks))],
        merged_away=[],
        merged_vectors=np.zeros((0, base.shape[1]), np.float32),
        plans={},
        minhash_keys=[],
        minhashes=np.zeros((0, 128), np.uint32),
        chunks_embedded=len(new_chunks),
        chunks_reused=0,
        languages={"en": 1.0},
    )
    encoder = recorded_encoder(reader, manifest)
    return prepared, encoder, manifest.settings


def timed(work: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work()
    return result, round(time.perf_counter() - started, 1)


def corpus_wide_steps(prepared: PreparedBuild, each: Any, parts: int) -> dict[str, float]:
    """Content hashes and near-duplicate pairs (LSH bands + checks) in `parts` parts run by `each`."""
    passages = prepared.deduped.passages
    texts = [p.text for p in passages]
    rng = np.random.default_rng(1)
    signatures = rng.integers(0, 2**32, size=(len(texts), 128), dtype=np.uint32)
    signatures[1000::1000] = signatures[999:-1:1000]  # a planted copy per 1,000 passages
    firsts = np.unique([c.passage_id for c in prepared.chunks], return_index=True)[1]
    means = prepared.vectors[firsts]
    out: dict[str, float] = {}
    hashes, out["content_hashes_s"] = timed(
        lambda: [h for found in each(content_hashes, in_parts(texts, parts)) for h in found]
    )
    _, out["exact_grouping_s"] = timed(lambda: merge_exact(passages, hashes))
    pairs, out["near_duplicates_s"] = timed(
        lambda: near_duplicate_pairs(texts, 0.7, means, 0.9, signatures, each, parts)
    )
    out["near_duplicate_pairs"] = len(pairs)
    return out


def build_steps(chunks: int, shards: int, spec: str) -> dict[str, Any]:
    """Part 1: the build's steps in one process against in parts on Ray."""
    from askdocs.ingest.build_writing import write_build
    from askdocs.ingest.near_duplicates import one_by_one
    from askdocs.ingest.ray_executor import RayExecutor
    from askdocs.ingest.sharding import write_sharded_build
    from askdocs.ray_session import ray_session

    (prepared, encoder, settings), made = timed(lambda: synthetic_build(chunks))
    print(f"synthetic build of {len(prepared.chunks):,} chunks made in {made} s", flush=True)
    figures: dict[str, Any] = {"chunks": len(prepared.chunks), "passages": len(prepared.deduped.passages)}
    figures["one_process"] = corpus_wide_steps(prepared, one_by_one, 1)
    print("one process:", figures["one_process"], flush=True)
    for name in ("one", "sharded"):
        shutil.rmtree(WORK / name, ignore_errors=True)
        (WORK / name).mkdir(parents=True)
    sharded_settings = replace(settings, shards=shards)
    with ray_session(spec) as cpus:
        executor = RayExecutor(cpus)
        figures["ray"] = {"workers": cpus, **corpus_wide_steps(prepared, executor.each, cpus)}
        print("ray:", figures["ray"], flush=True)
        writer = BuildWriter(publication.new_build_dir(WORK / "sharded"))
        _, figures["ray"]["write_shards_s"] = timed(
            lambda: write_sharded_build(prepared, writer, encoder, sharded_settings, WORK, time.time(), None, executor)
        )
        publication.publish(WORK / "sharded", writer.build)
    print("ray shards written:", figures["ray"]["write_shards_s"], flush=True)
    writer = BuildWriter(publication.new_build_dir(WORK / "one"))
    _, figures["one_process"]["write_build_s"] = timed(
        lambda: write_build(prepared, writer, encoder, settings, WORK, time.time())
    )
    publication.publish(WORK / "one", writer.build)
    print("one folder written:", figures["one_process"]["write_build_s"], flush=True)
    for side in ("one_process", "ray"):
        steps = figures[side]
        steps["total_s"] = round(sum(v for k, v in steps.items() if k.endswith("_s")), 1)
    figures["ray_against_one_process"] = round(figures["one_process"]["total_s"] / figures["ray"]["total_s"], 2)
    figures["shard_folders_gb"] = {
        p.name: round(sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) / 1e9, 2)
        for p in sorted(publication.live_build(WORK / "sharded").glob("shard-*"))
    }
    return figures


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _memory_mb(pid: int) -> dict[str, float]:
    """A process's own memory (RssAnon) and its proportional share of everything it maps (Pss)."""
    status = Path(f"/proc/{pid}/status").read_text()
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    own = int(status.split("RssAnon:")[1].split()[0]) / 1024
    pss = int(rollup.split("Pss:")[1].split()[0]) / 1024
    files = int(rollup.split("Pss_File:")[1].split()[0]) / 1024 if "Pss_File:" in rollup else None
    return {"own_mb": round(own, 1), "pss_mb": round(pss, 1), "pss_file_mb": round(files, 1) if files else None}


def served_latency(index: Path, questions: list[str], options: list[str], log: Path) -> dict[str, Any]:
    """`python -m askdocs serve` on the index (with `options`), the questions one at a time over HTTP."""
    import httpx

    port = _free_port()
    command = [PY, "-m", "askdocs", "serve", "--index", str(index), "--port", str(port), *options]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline, started = time.monotonic() + 900, time.perf_counter()
        while True:
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            try:
                if httpx.get(f"{url}/search", params={"q": "warm up"}, timeout=120).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(1)
        ready = round(time.perf_counter() - started, 1)
        with httpx.Client(timeout=120) as http:
            for question in questions[:10]:
                http.get(f"{url}/search", params={"q": question})
            times, errors = [], 0
            for question in questions:
                began = time.perf_counter()
                errors += http.get(f"{url}/search", params={"q": question}).status_code != 200
                times.append(time.perf_counter() - began)
        figures: dict[str, Any] = {"ready_s": ready, "errors": errors, **percentiles(times)}
        replicas = subprocess.run(["pgrep", "-f", "ServeReplica:askdocs:shard-"], capture_output=True, text=True)
        if replicas.stdout.strip():
            figures["shard_replicas"] = [_memory_mb(int(pid)) for pid in replicas.stdout.split()]
        return figures
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def serve_steps(questions: list[str], spec: str) -> dict[str, Any]:
    """Part 2: the same questions in-process and over HTTP, without and with Ray Serve."""
    from speed import SEARCHER_AT_SCALE

    figures: dict[str, Any] = {"questions": len(questions)}
    for name in ("one", "sharded"):
        done = subprocess.run(
            [PY, "-c", SEARCHER_AT_SCALE, str(WORK / name), json.dumps(questions)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        figures[f"in_process_{name}"] = json.loads(done.stdout.strip().splitlines()[-1])
        print(name, figures[f"in_process_{name}"], flush=True)
    figures["http_sharded"] = served_latency(WORK / "sharded", questions, [], WORK / "serve.log")
    print("http:", figures["http_sharded"], flush=True)
    ray = ["--ray", spec, "--replicas", "1"]
    figures["ray_serve_sharded"] = served_latency(WORK / "sharded", questions, ray, WORK / "serve-ray.log")
    print("ray serve:", figures["ray_serve_sharded"], flush=True)
    in_process = figures["in_process_sharded"]
    figures["ray_serve_p50_against_in_process"] = round(
        figures["ray_serve_sharded"]["p50_ms"] / in_process["query_p50_ms"], 2
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "medquad")
    parser.add_argument("--chunks", type=int, default=2_000_000)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--ray", default="local:2")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--parts", default="build,serve")
    args = parser.parse_args()
    results: dict[str, Any] = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores"}
    if "build" in args.parts:
        results["build"] = build_steps(args.chunks, args.shards, args.ray)
    if "serve" in args.parts:
        lines = (args.data / "queries-dev.jsonl").read_text().splitlines()
        results["serve"] = serve_steps([json.loads(line)["text"] for line in lines[: args.questions]], args.ray)
    RESULTS.mkdir(exist_ok=True)
    target = RESULTS / f"cluster-{date.today().isoformat()}.json"
    target.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    print(f"written to {target}")


if __name__ == "__main__":
    main()
