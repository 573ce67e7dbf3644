"""Beyond one machine: Ray ingest against local ingest, the driver's corpus-wide steps at scale, the HTTP API under load.

    python bench/scale.py [--data ../shared/bench/medquad] [--slice 4000] [--passages 1000000]
                          [--parts ray,driver,api] [--clients 32] [--seconds 30]

1. ray: cold ingest of the first N MedQuAD answers, local against `--ray local:1` and `local:2`
   (in-process, each stage timed), and whether the Ray builds equal the local one (rows, report,
   vectors to 1e-6); Ray's fixed costs (start and stop, an empty task job, an actor pool that loads
   the model).
2. driver: the steps an ingest keeps on its driver, timed on N synthetic passages (MedQuAD answers
   repeated with a varying word): exact dedup, near-duplicate LSH over given signatures, BM25 and
   IVF index builds, writing the rows. With part ray's per-worker rates, the projected ingest of
   1M documents on 10 machines of 16 cores, and which step dominates.
3. api: `python -m askdocs serve` on the MedQuAD index (127.0.0.1, 1 and 2 workers) under C
   concurrent clients for S seconds: requests/s, p50/p95/p99, errors, the server's memory; against
   the in-process Searcher's rate on the same questions.
Results go to bench/results/scale-DATE.json. Servers listen on 127.0.0.1 only; the load stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from speed import CACHE, slice_corpus  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PY = sys.executable


class TimedExecutor:
    """Wraps an executor factory so that starting it, each per-item stage, and stopping it are timed."""

    def __init__(self, factory: Callable[[], AbstractContextManager[Any]]) -> None:
        self.factory, self.seconds = factory, {}

    @contextmanager
    def __call__(self) -> Any:
        started = time.perf_counter()
        context = self.factory()
        inner = context.__enter__()
        self.seconds["start"] = time.perf_counter() - started
        try:
            yield _Timed(inner, self.seconds)
        finally:
            stopping = time.perf_counter()
            context.__exit__(None, None, None)
            self.seconds["stop"] = time.perf_counter() - stopping


class _Timed:
    """An executor whose every method call adds its wall time to `seconds[name]`."""

    def __init__(self, inner: Any, seconds: dict[str, float]) -> None:
        self.inner, self.seconds = inner, seconds

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def timed(*args: Any) -> Any:
            begun = time.perf_counter()
            try:
                return method(*args)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - begun

        return timed


def same_index(a: Path, b: Path) -> dict[str, object]:
    """Whether two indexes hold the same rows, report and (to 1e-6) vectors."""
    from askdocs.index import publication
    from askdocs.index.build_folder import CHUNKS, PASSAGES, REPORT

    left, right = publication.open_live(a)[0], publication.open_live(b)[0]
    rows = all((left.path(n)).read_bytes() == (right.path(n)).read_bytes() for n in (PASSAGES, CHUNKS, REPORT))
    difference = float(np.abs(left.chunk_vectors().vectors - right.chunk_vectors().vectors).max())
    return {"rows_and_report_identical": rows, "max_vector_difference": difference, "within_1e-6": difference <= 1e-6}


def ray_figures(data: Path, count: int) -> dict[str, object]:
    from askdocs.encoders import load_encoder
    from askdocs.ingest.executor import local_executor
    from askdocs.ingest.pipeline import build_index
    from askdocs.ingest.ray_executor import ray_executor
    from askdocs.settings import DEFAULT_MODEL, IndexSettings

    corpus = slice_corpus(data, count)
    encoder = load_encoder(DEFAULT_MODEL, "int8")  # loaded once, outside every timing
    out: dict[str, object] = {"slice_answers": count}
    indexes = {}
    for name, factory in [
        ("local", local_executor()),
        ("ray_local_1", ray_executor("local:1")),
        ("ray_local_2", ray_executor("local:2")),
    ]:
        index = CACHE / f"scale{count}" / name
        shutil.rmtree(index, ignore_errors=True)
        timed = TimedExecutor(factory)
        started = time.perf_counter()
        summary = build_index(corpus, index, IndexSettings(), encoder=encoder, executor=timed)
        total = time.perf_counter() - started
        stages = {k: round(v, 2) for k, v in timed.seconds.items()}
        driver = total - sum(timed.seconds.values())
        out[name] = {"total_s": round(total, 1), "stages_s": stages, "driver_s": round(driver, 1)}
        out[name]["chunks"] = summary.counts.chunks
        indexes[name] = index
        print(name, json.dumps(out[name]))
    for name in ("ray_local_1", "ray_local_2"):
        out[name]["same_as_local"] = same_index(indexes["local"], indexes[name])
        out[name]["speed_vs_local"] = round(out["local"]["total_s"] / out[name]["total_s"], 2)
    out["ray_fixed_costs"] = ray_overhead(encoder)
    one = out["ray_local_1"]["stages_s"]
    chunks = out["ray_local_1"]["chunks"]
    out["per_worker_rates"] = {
        "chunks_planned_and_embedded_per_s": round(chunks / (one["plan"] + one["embed"]), 1),
        "passages_minhashed_per_s": round(count / max(one.get("minhash", 1e-9), 1e-9), 1),
    }
    return out


def ray_overhead(encoder: Any) -> dict[str, float]:
    """Ray's fixed costs here: start and stop a private instance, an empty task job, an actor pool loading the model."""
    import ray.data

    from askdocs.ingest.ray_executor import ray_executor

    started = time.perf_counter()
    with ray_executor("local:2")(encoder) as executor:
        up = time.perf_counter() - started
        begun = time.perf_counter()
        ray.data.from_items([{"i": 0}]).map(lambda row: row).take_all()
        task_job = time.perf_counter() - begun
        begun = time.perf_counter()
        executor.minhash(["one short text to hash"])
        actor_job = time.perf_counter() - begun
        stopping = time.perf_counter()
    down = time.perf_counter() - stopping
    return {
        "start_s": round(up, 2),
        "empty_task_job_s": round(task_job, 2),
        "one_row_actor_job_with_model_s": round(actor_job, 2),
        "stop_s": round(down, 2),
    }


def driver_figures(data: Path, passages: int, rates: dict[str, Any] | None) -> dict[str, object]:
    """The corpus-wide steps at `passages` synthetic passages, and the projection to 1M documents on 10×16 cores."""
    from askdocs.index.ann import build_vector_index
    from askdocs.index.bm25 import build_keyword_index
    from askdocs.ingest.exact_duplicates import merge_exact
    from askdocs.ingest.near_duplicates import NUM_PERM, compute_signatures, near_duplicate_pairs
    from askdocs.records import Citation, Passage

    answers = [json.loads(line)["text"] for line in (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    texts = [f"{answers[i % len(answers)]} {words[i % 8]}{i}" for i in range(passages)]
    figures: dict[str, object] = {"passages": passages}

    def timed(name: str, step: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = step()
        figures[f"{name}_s"] = round(time.perf_counter() - started, 1)
        print(name, figures[f"{name}_s"], "s", flush=True)
        return result

    timed(
        "exact_dedup", lambda: merge_exact([Passage(t, (Citation("x", doc_id=str(i)),)) for i, t in enumerate(texts)])
    )
    # Signatures are per-item work (the workers'); the driver only runs the LSH over them. Each distinct
    # answer's signature is computed once; its copies keep 30 % of its values and get random others, so
    # they are distinct passages to the LSH (as most of a real corpus is), with MedQuAD's own near
    # duplicates among the first copy.
    distinct = compute_signatures(answers[: min(len(answers), passages)])
    signatures = distinct[np.arange(passages) % len(distinct)].astype(np.uint32)
    copies = np.arange(passages) >= len(distinct)
    changed = (rng.random(signatures.shape) < 0.7) & copies[:, None]
    signatures[changed] = rng.integers(0, 2**32 - 1, size=int(changed.sum()), dtype=np.uint32)
    assert signatures.shape[1] == NUM_PERM
    vectors = rng.normal(size=(passages, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    timed("near_dedup_lsh", lambda: near_duplicate_pairs(texts, 0.7, vectors, 0.95, signatures))
    with tempfile.TemporaryDirectory() as scratch:
        timed("bm25_build", lambda: build_keyword_index(texts, Path(scratch) / "bm25", 0.1, 0.4, "en_plus"))
    timed("vector_index_build", lambda: build_vector_index(vectors))
    with tempfile.TemporaryDirectory() as scratch:
        from askdocs.fileio import write_jsonl

        timed("write_rows", lambda: write_jsonl(Path(scratch) / "rows.jsonl", ({"text": t} for t in texts)))
    driver = sum(v for k, v in figures.items() if k.endswith("_s"))
    figures["driver_total_s"] = round(driver, 1)
    if rates:
        per_core = rates["chunks_planned_and_embedded_per_s"]
        chunks_per_doc = 3.5  # MedQuAD: 59,844 chunks from 17,055 passages
        cores = 10 * 16
        workers_s = 1_000_000 * chunks_per_doc / (per_core * cores)
        scaled_driver = driver * 1_000_000 / passages
        figures["projection_1M_docs_10x16_cores"] = {
            "assumes": f"{chunks_per_doc} chunks per document; per-core rate of part ray's local:1 run; "
            "the driver's steps scale linearly from the passages measured here",
            "workers_s": round(workers_s),
            "driver_s": round(scaled_driver),
            "total_s": round(workers_s + scaled_driver),
            "dominant": "driver" if scaled_driver > workers_s else "workers (embedding)",
        }
    return figures


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_memory_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        parent = int(status.split("PPid:")[1].split()[0])
        if int(entry.name) == pid or parent == pid:
            total += int(status.split("VmRSS:")[1].split()[0]) / 1024
    return round(total, 1)


async def load(url: str, questions: list[str], clients: int, seconds: float) -> dict[str, object]:
    """`clients` concurrent clients asking in turn for `seconds`: rate, latency percentiles and errors."""
    import httpx

    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(number: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        at = number
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                response = await http.get(url, params={"q": questions[at % len(questions)], "k": 5})
                if response.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - started)
            at += clients

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        elapsed = time.perf_counter() - started
    return load_figures(latencies, elapsed, errors)


def load_figures(latencies: list[float], elapsed: float, errors: int) -> dict[str, object]:
    """A load phase's figures from its request latencies (seconds): rate, p50/p95/p99 in ms, errors."""
    values = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p95_ms": round(float(np.percentile(values, 95)), 1),
        "p99_ms": round(float(np.percentile(values, 99)), 1),
        "errors": errors,
    }


def api_figures(data: Path, clients: int, seconds: float) -> dict[str, object]:
    from askdocs import Searcher

    index = CACHE / "medquad" / "index"  # built by bench/quality.py
    questions = [json.loads(line)["text"] for line in (data / "queries-dev.jsonl").read_text().splitlines()[:500]]
    searcher = Searcher.load(index)
    for question in questions[:20]:
        searcher.search(question, k=5)
    started = time.perf_counter()
    for question in questions[:200]:
        searcher.search(question, k=5)
    in_process = 200 / (time.perf_counter() - started)
    out: dict[str, object] = {"in_process_searcher_questions_per_s": round(in_process, 1), "clients": clients}
    del searcher
    for workers in (1, 2):
        port = free_port()
        command = [PY, "-m", "askdocs", "serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(port)]
        server = subprocess.Popen(
            [*command, "--workers", str(workers)], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_for(f"{base}/health")
            asyncio.run(load(f"{base}/search", questions[:20], clients, 3))  # warm every worker
            figures = asyncio.run(load(f"{base}/search", questions, clients, seconds))
            figures["server_memory_mb"] = server_memory_mb(server.pid)
            figures["rate_vs_in_process"] = round(figures["requests_per_s"] / in_process, 2)
            out[f"workers_{workers}"] = figures
            print(f"api, {workers} worker(s):", json.dumps(figures), flush=True)
        finally:
            server.terminate()
            server.wait(timeout=60)
    return out


def _wait_for(url: str, timeout: float = 120) -> None:
    import httpx

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server at {url} did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "medquad")
    parser.add_argument("--slice", type=int, default=4000)
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--parts", default="ray,driver,api")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--out", type=Path, default=RESULTS / f"scale-{date.today().isoformat()}.json")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    results: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # Each part's figures are saved as soon as it ends; parts not run keep their figures from before.
    if "ray" in parts:
        results["ray"] = ray_figures(args.data, args.slice)
        args.out.write_text(json.dumps(results, indent=1))
    if "driver" in parts:
        results["driver"] = driver_figures(args.data, args.passages, results.get("ray", {}).get("per_worker_rates"))
        args.out.write_text(json.dumps(results, indent=1))
    if "api" in parts:
        results["api"] = api_figures(args.data, args.clients, args.seconds)
        args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
