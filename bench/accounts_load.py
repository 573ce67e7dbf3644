"""The HTTP API and the page under 32 concurrent clients with accounts against the same load without (#30).

    python bench/accounts_load.py [--clients 32] [--seconds 20] [--rounds 4] [--surfaces api,page]

A folder holding one library, MedQuAD (its index from bench/quality.py, linked in), served on
127.0.0.1 by the API (`python -m askdocs serve --libraries DIR`, one worker) and by the page
(`streamlit run page.py -- --libraries DIR`). Each serves phases without accounts and with accounts
(each client a user of its own, a reader of the library: the API's clients send their own token,
the page's their own session cookie from signing in at /sign-in), in the order ABBA, `--rounds`
pairs; the accounts file is read at every request, so adding and removing it switches a server
between the two. An API request is `GET /search`; a page request is what opening a
`?lib=medquad&q=...` link does: a new session on Streamlit's websocket, one run of the page,
answered (a run that shows no results counts as an error). Each phase: requests per second,
p50/p95/p99 and errors.
Results: bench/results/accounts-load-DATE.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import _wait_for, free_port, load_figures  # noqa: E402
from speed import CACHE, write_result  # noqa: E402

from askdocs.accounts import ACCOUNTS_FILE, AccountStore  # noqa: E402
from askdocs.libraries import INDEX_FOLDER  # noqa: E402

MEDQUAD = ROOT.parent / "shared" / "bench" / "medquad"
PY = sys.executable
PASSWORD = "a load-test password"


def library_folder(work: Path) -> Path:
    """A folder of libraries whose one library, `medquad`, is the MedQuAD corpus and index, linked."""
    if work.exists():
        shutil.rmtree(work)
    (work / INDEX_FOLDER).mkdir(parents=True)
    (work / "medquad").symlink_to(CACHE / "medquad" / "corpus", target_is_directory=True)
    (work / INDEX_FOLDER / "medquad").symlink_to(CACHE / "medquad" / "index", target_is_directory=True)
    return work


async def load(ask: Callable[[int, int], Awaitable[bool]], clients: int, seconds: float) -> dict[str, object]:
    """`clients` clients, each asking in turn (`ask(client, question)`: whether it was answered) for `seconds`."""
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def client(number: int) -> None:
        nonlocal errors
        at = number
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                errors += not await ask(number, at)
            except (OSError, TimeoutError, httpx.HTTPError, websockets.WebSocketException):  # counted; it goes on
                errors += 1
            latencies.append(time.perf_counter() - started)
            at += clients

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return load_figures(latencies, time.perf_counter() - started, errors)


def api_asker(base: str, questions: list[str], headers: list[dict[str, str]]) -> Callable[[int, int], Awaitable[bool]]:
    """`GET /search` of the library, with each client's headers (its token, or none)."""
    clients = len(headers)
    http = httpx.AsyncClient(
        timeout=60, limits=httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    )

    async def ask(client: int, at: int) -> bool:
        params = {"q": questions[at % len(questions)], "k": 5, "lib": "medquad"}
        response = await http.get(f"{base}/search", params=params, headers=headers[client])
        return response.status_code == 200

    return ask


def page_asker(base: str, questions: list[str], cookies: list[str]) -> Callable[[int, int], Awaitable[bool]]:
    """Open `?lib=medquad&q=...` on the page as a browser does: a websocket session (with each client's
    session cookie, or none) and one run; answered when the run shows its results line."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    stream = base.replace("http://", "ws://") + "/_stcore/stream"

    async def ask(client: int, at: int) -> bool:
        headers = {"Cookie": cookies[client]} if cookies[client] else {}
        async with websockets.connect(stream, subprotocols=["streamlit"], additional_headers=headers) as socket:
            run = BackMsg()
            run.rerun_script.query_string = urlencode({"lib": "medquad", "q": questions[at % len(questions)]})
            await socket.send(run.SerializeToString())
            answered = False
            while True:
                raw = await asyncio.wait_for(socket.recv(), 60)
                answered = answered or b" results in " in raw
                message = ForwardMsg()
                message.ParseFromString(raw)
                if message.WhichOneof("type") == "script_finished":
                    return answered

    return ask


def sign_in_all(base: str, store: AccountStore, clients: int) -> list[str]:
    """Each client's session cookie, from signing in at the page's /sign-in as a browser does."""
    cookies = []
    for number in range(clients):
        answer = httpx.post(f"{base}/sign-in", data={"name": f"user{number:02d}", "password": PASSWORD}, timeout=60)
        assert answer.status_code == 303, answer.text
        cookies.append(f"askdocs_session={answer.cookies['askdocs_session']}")
    return cookies


def servers(folder: Path) -> dict[str, tuple[list[str], str]]:
    """The command and base URL of each surface, on free loopback ports."""
    api, page = free_port(), free_port()
    return {
        "api": (
            [PY, "-m", "askdocs", "serve", "--libraries", str(folder), "--port", str(api)],
            f"http://127.0.0.1:{api}",
        ),
        "page": (
            [
                PY,
                "-m",
                "streamlit",
                "run",
                "page.py",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(page),
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--",
                "--libraries",
                str(folder),
            ],
            f"http://127.0.0.1:{page}",
        ),
    }


def run_phases(surface: str, base: str, folder: Path, questions: list[str], args: argparse.Namespace) -> list[dict]:
    """Phases without and with accounts on one surface, in the order ABBA ABBA...: a server slows as it
    runs (a closed page session lingers two minutes), and that drift must not fall on one side."""
    phases: list[dict[str, object]] = []
    for round_number in range(args.rounds):
        for accounts in (False, True) if round_number % 2 == 0 else (True, False):
            phases.append(
                {"surface": surface, "accounts": accounts, **phase(surface, base, folder, questions, accounts, args)}
            )
            print(phases[-1], flush=True)
    return phases


def phase(
    surface: str, base: str, folder: Path, questions: list[str], accounts: bool, args: argparse.Namespace
) -> dict:
    """One phase: the folder without accounts, or with a reader account for each client."""
    for path in folder.glob(f"{ACCOUNTS_FILE}*"):
        path.unlink()
    if not accounts:
        nobody = [{} for _ in range(args.clients)] if surface == "api" else [""] * args.clients
        asker = api_asker(base, questions, nobody) if surface == "api" else page_asker(base, questions, nobody)
        return asyncio.run(load(asker, args.clients, args.seconds))
    store = AccountStore.beside(folder)
    for number in range(args.clients):
        store.add_user(f"user{number:02d}", "reader", ["medquad"], PASSWORD)
    if surface == "api":
        own = [{"Authorization": f"Bearer {store.issue_token(f'user{n:02d}')}"} for n in range(args.clients)]
        asker = api_asker(base, questions, own)
    else:
        asker = page_asker(base, questions, sign_in_all(base, store, args.clients))
    return asyncio.run(load(asker, args.clients, args.seconds))


def mean(phases: list[dict[str, object]], surface: str, key: str, accounts: bool) -> float:
    """The mean of `key` over a surface's phases with (or without) accounts."""
    return float(np.mean([float(p[key]) for p in phases if p["surface"] == surface and p["accounts"] is accounts]))  # type: ignore[arg-type]


def ratios(phases: list[dict[str, object]]) -> dict[str, float]:
    """With accounts against without, per surface: p95, p50 and rate."""
    out = {}
    for surface in sorted({str(p["surface"]) for p in phases}):
        for key, name in (("p95_ms", "p95"), ("p50_ms", "p50"), ("requests_per_s", "rate")):
            with_accounts, without = mean(phases, surface, key, True), mean(phases, surface, key, False)
            out[f"{surface}_{name}_ratio_with_accounts"] = round(with_accounts / without, 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--surfaces", default="api,page")
    args = parser.parse_args()
    folder = library_folder(CACHE / "accounts-load")
    questions = [json.loads(line)["text"] for line in (MEDQUAD / "queries-dev.jsonl").read_text().splitlines()[:500]]
    phases: list[dict[str, object]] = []
    for surface, (command, base) in servers(folder).items():
        if surface not in args.surfaces.split(","):
            continue
        server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for(f"{base}/health" if surface == "api" else f"{base}/_stcore/health")
            warm = api_asker(base, questions, [{}] * 4) if surface == "api" else page_asker(base, questions, [""] * 4)
            asyncio.run(load(warm, 4, 5))  # the model and index loaded, the first runs done
            phases += run_phases(surface, base, folder, questions, args)
        finally:
            server.terminate()
            server.wait(timeout=60)
            for path in folder.glob(f"{ACCOUNTS_FILE}*"):
                path.unlink()
    result = {
        "date": date.today().isoformat(),
        "clients": args.clients,
        "seconds_per_phase": args.seconds,
        "phases": phases,
        **ratios(phases),
        "errors": sum(int(p["errors"]) for p in phases),  # type: ignore[call-overload]
    }
    write_result("accounts-load", result)


if __name__ == "__main__":
    main()
