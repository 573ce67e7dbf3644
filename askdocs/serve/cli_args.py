"""The command lines' arguments: `ingest.py`'s, and `python -m askdocs`'s with its `ask` and `serve` commands.

Only argparse and the settings' defaults here, so that `--help` and a bad argument cost no heavy import.
"""

from __future__ import annotations

import argparse

from askdocs.libraries import INDEX_FOLDER
from askdocs.serve.users_cli import add_users_command
from askdocs.settings import AUTO_MODEL, ENCODERS, MULTILINGUAL_MODEL, IndexSettings, StepSettings


def ingest_parser() -> argparse.ArgumentParser:
    """The arguments of `python ingest.py`."""
    parser = argparse.ArgumentParser(
        prog="ingest.py", description="Build the askdocs index from a folder of documents."
    )
    parser.add_argument("--corpus", default="corpus", help="folder of documents (default: corpus/)")
    parser.add_argument(
        "--libraries",
        metavar="DIR",
        help="a folder of libraries: build every subfolder as a library of its own (instead of --corpus)",
    )
    parser.add_argument(
        "--index",
        help="index folder to write (default: index/); with --libraries, the folder holding their indexes "
        f"(default: DIR/{INDEX_FOLDER})",
    )
    parser.add_argument(
        "--model",
        default=AUTO_MODEL,
        help="auto (default): all-MiniLM-L6-v2 for a library in English, multilingual-e5-small for other "
        f"languages or a mix; or {MULTILINGUAL_MODEL}, or a sentence-transformers model name or path",
    )
    _index_options(parser)
    parser.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=IndexSettings().encoder,
        help="int8: quantised ONNX Runtime model, faster (default); fp32: the model as is",
    )
    parser.add_argument(
        "--ray",
        metavar="SPEC",
        help="run the per-file and per-chunk work, and the parts of the corpus-wide steps, on Ray: local:N "
        "(a private local instance with N workers), auto (the running cluster) or a cluster address",
    )
    parser.add_argument(
        "--first-step-bytes",
        type=int,
        default=StepSettings().first_bytes,
        help="a long ingest publishes the newest files first, these many bytes of them, then more at doubling "
        "intervals, so the library answers early (default: %(default)s; 0: publish once, at the end)",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--verbose", action="store_true", help="log each step")
    parser.add_argument(
        "--watch",
        action="store_true",
        help="keep running: re-ingest whenever files in the corpus folder(s) change, until Ctrl-C",
    )
    return parser


def _index_options(parser: argparse.ArgumentParser) -> None:
    """The options that are index settings: file limits, OCR, shards."""
    parser.add_argument(
        "--max-file-bytes", type=int, default=IndexSettings().max_file_bytes, help="skip files larger than this"
    )
    parser.add_argument(
        "--max-file-seconds",
        type=float,
        default=IndexSettings().max_file_seconds,
        help="skip a file that takes longer than this to read (default: %(default)g)",
    )
    parser.add_argument(
        "--no-ocr", action="store_true", help="do not OCR scanned PDF pages and image files (images are skipped)"
    )
    parser.add_argument(
        "--shards",
        type=_positive,
        default=IndexSettings().shards,
        help="split the index into N shards, each file's passages in one (same hits as one index; default 1)",
    )


def main_parser() -> argparse.ArgumentParser:
    """The arguments of `python -m askdocs`: a command, `ask`, `serve` or `users`, and its own arguments."""
    parser = argparse.ArgumentParser(prog="python -m askdocs", description="Ask the askdocs index a question.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_ask_command(commands)
    add_serve_command(commands)
    add_users_command(commands)
    return parser


def add_ask_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`python -m askdocs ask QUESTION`: answer a question from the index."""
    ask = commands.add_parser("ask", help="answer a question from the index")
    ask.add_argument("question")
    ask.add_argument("--index", default="index", help="index folder (default: index/)")
    ask.add_argument("--k", type=int, default=5, help="number of passages (default: 5)")
    ask.add_argument("--json", action="store_true", help="print the hits as JSON")


def add_serve_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`python -m askdocs serve`: the HTTP API."""
    serve = commands.add_parser(
        "serve",
        help="answer questions over HTTP (GET /search, /health, /openapi.json); add or remove documents (/documents)",
    )
    serve.add_argument(
        "--libraries",
        metavar="DIR",
        help="serve every library in this folder of libraries (GET /search?lib=NAME or lib=all, /libraries)",
    )
    serve.add_argument(
        "--index",
        help=f"index folder (default: index/); with --libraries, the folder holding their indexes (default: DIR/{INDEX_FOLDER})",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--token", help="require `Authorization: Bearer TOKEN` (default: $ASKDOCS_TOKEN); needed beyond 127.0.0.1"
    )
    serve.add_argument("--workers", type=int, default=1, help="server processes (default: 1)")
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name requests may be addressed to besides the address and loopback (repeatable; "
        "also $ASKDOCS_ALLOWED_HOSTS); requests from other sites' pages are always refused",
    )
    serve.add_argument(
        "--read-only", action="store_true", help="refuse to add or remove documents (POST and DELETE /documents)"
    )
    serve.add_argument(
        "--ray",
        metavar="SPEC",
        help="serve a sharded index (ingest.py --shards N) on Ray Serve, a deployment per shard: local:N "
        "(a private instance with N CPUs), auto (the running cluster) or a cluster address",
    )
    serve.add_argument(
        "--sign-in-proxy",
        metavar="ADDRESS",
        help="with --libraries and accounts: trust the user name a sign-in proxy at this address sends "
        "(single sign-on, e.g. oauth2-proxy); requests from any other address need a token",
    )
    serve.add_argument(
        "--user-header", default="X-Forwarded-User", help="the header the sign-in proxy names the user in"
    )
    serve.add_argument(
        "--replicas",
        type=_positive,
        default=1,
        help="with --ray, replicas of each shard and of the router (default: 1; 2 or more keep answering "
        "when one dies)",
    )


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, not {text!r}")
    return number
