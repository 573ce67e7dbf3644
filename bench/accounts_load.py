"""The HTTP API under 32 concurrent clients with accounts against the same load without (#30).

    python bench/accounts_load.py [--clients 32] [--seconds 20] [--rounds 2]

One server (`python -m askdocs serve --libraries DIR` on 127.0.0.1, one worker) over a folder holding
one library, MedQuAD (its index from bench/quality.py, linked in). The same server answers every
phase, alternated: without accounts (no token), then with accounts (each client a user of its own,
a reader of the library, sending their own token), `--rounds` times; an accounts file is read at
every request, so adding and removing it switches the server between the two. Each phase: requests
per second, p50/p95/p99 and errors. Results: bench/results/accounts-load-DATE.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import _wait_for, free_port  # noqa: E402
from speed import CACHE  # noqa: E402

from askdocs.accounts import ACCOUNTS_FILE, AccountStore  # noqa: E402
from askdocs.libraries import INDEX_FOLDER  # noqa: E402

MEDQUAD = ROOT.parent / "shared" / "bench" / "medquad"
RESULTS = ROOT / "bench" / "results"
PY = sys.executable


def library_folder(work: Path) -> Path:
    """A folder of libraries whose one library, `medquad`, is the MedQuAD corpus and index, linked."""
    if work.exists():
        shutil.rmtree(work)
    (work / INDEX_FOLDER).mkdir(parents=True)
    (work / "medquad").symlink_to(CACHE / "medquad" / "corpus", target_is_directory=True)
    (work / INDEX_FOLDER / "medquad").symlink_to(CACHE / "medquad" / "index", target_is_directory=True)
    return work


async def load(url: str, questions: list[str], headers: list[dict[str, str]], seconds: float) -> dict[str, object]:
    """One client per entry of `headers`, each asking in turn for `seconds`: rate, latency and errors."""
    import httpx

    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    clients = len(headers)

    async def client(number: int, http: httpx.AsyncClient) -> None:
        nonlocal errors
        at = number
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                params = {"q": questions[at % len(questions)], "k": 5, "lib": "medquad"}
                response = await http.get(url, params=params, headers=headers[number])
                errors += response.status_code != 200
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - started)
            at += clients

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(i, http) for i in range(clients)))
        elapsed = time.perf_counter() - started
    values = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p95_ms": round(float(np.percentile(values, 95)), 1),
        "p99_ms": round(float(np.percentile(values, 99)), 1),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    folder = library_folder(CACHE / "accounts-load")
    questions = [json.loads(line)["text"] for line in (MEDQUAD / "queries-dev.jsonl").read_text().splitlines()[:500]]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [PY, "-m", "askdocs", "serve", "--libraries", str(folder), "--port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT)
    phases: list[dict[str, object]] = []
    try:
        _wait_for(f"{base}/health")
        nobody = [{} for _ in range(args.clients)]
        asyncio.run(load(f"{base}/search", questions[:20], nobody, 3))  # warm up
        for _ in range(args.rounds):
            (folder / ACCOUNTS_FILE).unlink(missing_ok=True)
            phases.append({"accounts": False, **asyncio.run(load(f"{base}/search", questions, nobody, args.seconds))})
            print(phases[-1], flush=True)
            store = AccountStore.beside(folder)
            for number in range(args.clients):
                store.add_user(f"user{number:02d}", "reader", ["medquad"])
            own = [{"Authorization": f"Bearer {store.issue_token(f'user{n:02d}')}"} for n in range(args.clients)]
            phases.append({"accounts": True, **asyncio.run(load(f"{base}/search", questions, own, args.seconds))})
            print(phases[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
        for path in folder.glob(f"{ACCOUNTS_FILE}*"):
            path.unlink()

    def mean(key: str, accounts: bool) -> float:
        return float(np.mean([float(p[key]) for p in phases if p["accounts"] is accounts]))  # type: ignore[arg-type]

    result = {
        "date": date.today().isoformat(),
        "clients": args.clients,
        "seconds_per_phase": args.seconds,
        "phases": phases,
        "p95_ratio_with_accounts": round(mean("p95_ms", True) / mean("p95_ms", False), 3),
        "p50_ratio_with_accounts": round(mean("p50_ms", True) / mean("p50_ms", False), 3),
        "rate_ratio_with_accounts": round(mean("requests_per_s", True) / mean("requests_per_s", False), 3),
        "errors": sum(int(p["errors"]) for p in phases),  # type: ignore[call-overload]
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"accounts-load-{result['date']}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
