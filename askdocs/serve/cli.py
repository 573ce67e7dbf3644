"""Command lines: `python ingest.py ...` and `python -m askdocs ask ...`; errors become exit codes here."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from askdocs.errors import AskdocsError
from askdocs.libraries import INDEX_FOLDER, Library, libraries_in, single_library
from askdocs.settings import DEFAULT_MODEL, ENCODERS, IndexSettings


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def ingest_main(argv: list[str] | None = None) -> int:
    """Entry point of ingest.py."""
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
        default=DEFAULT_MODEL,
        help="sentence-transformers model name or path (default: the bundled all-MiniLM-L6-v2)",
    )
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
        "--encoder",
        choices=ENCODERS,
        default=IndexSettings().encoder,
        help="int8: quantised ONNX Runtime model, faster (default); fp32: the model as is",
    )
    parser.add_argument(
        "--ray",
        metavar="SPEC",
        help="run the per-file and per-chunk work on Ray: local:N (a private local instance with N workers), "
        "auto (the running cluster) or a cluster address",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even when the index is up to date")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument("--verbose", action="store_true", help="log each step")
    parser.add_argument(
        "--watch",
        action="store_true",
        help="keep running: re-ingest whenever files in the corpus folder(s) change, until Ctrl-C",
    )
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    from askdocs.ingest.pipeline import build_index

    settings = replace(
        IndexSettings(),
        model=args.model,
        max_file_bytes=args.max_file_bytes,
        max_file_seconds=args.max_file_seconds,
        ocr=not args.no_ocr,
        encoder=args.encoder,
    )
    try:
        libraries = _libraries(args)
        executor = None
        if args.ray is not None:
            from askdocs.ingest.ray_executor import parse_spec, ray_executor

            parse_spec(args.ray)  # a bad spec fails before any work
            executor = ray_executor(args.ray, progress=not args.quiet)
    except AskdocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.watch:
        return _watch(libraries, settings, executor, args)
    failed = 0
    for library in libraries:
        if len(libraries) > 1:
            print(f"library {library.name}:")
        try:
            summary = build_index(
                library.corpus_dir,
                library.index_dir,
                settings,
                force=args.force,
                progress=not args.quiet,
                executor=executor,
            )
        except AskdocsError as error:
            # One broken library does not stop the others; the exit code still says something failed.
            print(f"error: {error}", file=sys.stderr)
            failed += 1
            continue
        except KeyboardInterrupt:
            print("interrupted: the previous index, if any, is unchanged", file=sys.stderr)
            return 130
        print("\n".join(summary.lines()))
    return 2 if failed else 0


def _libraries(args: argparse.Namespace) -> list[Library]:
    """The libraries an ingest command names: every one in --libraries DIR, or the one --corpus."""
    if args.libraries is not None:
        return libraries_in(Path(args.libraries), Path(args.index) if args.index else None)
    return [single_library(Path(args.corpus), Path(args.index or "index"))]


def _watch(libraries: list[Library], settings: IndexSettings, executor: Any, args: argparse.Namespace) -> int:
    """`ingest.py --watch`: ingest what is stale, then keep the indexes fresh until Ctrl-C or SIGTERM."""
    from askdocs.ingest.watch import watch_until_signalled

    logging.getLogger("askdocs.ingest.watch").setLevel(logging.INFO)  # one line per ingest, even without --verbose
    # With --libraries, the folder is watched as a whole: a library created meanwhile is built too.
    folder = Path(args.libraries) if args.libraries is not None else None
    try:
        watcher = watch_until_signalled(libraries, settings, executor, folder, lambda: _libraries(args))
    except AskdocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"stopped watching after {watcher.ingests} ingests ({watcher.failures} failed)", file=sys.stderr)
    return 0


def ask_main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m askdocs`."""
    parser = argparse.ArgumentParser(prog="python -m askdocs", description="Ask the askdocs index a question.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question from the index")
    ask.add_argument("question")
    ask.add_argument("--index", default="index", help="index folder (default: index/)")
    ask.add_argument("--k", type=int, default=5, help="number of passages (default: 5)")
    ask.add_argument("--json", action="store_true", help="print the hits as JSON")
    serve = commands.add_parser(
        "serve", help="answer questions over HTTP (GET /search, /health, /docs); add or remove documents (/documents)"
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
        "--read-only", action="store_true", help="refuse to add or remove documents (POST and DELETE /documents)"
    )
    args = parser.parse_args(argv)
    _setup_logging(False)
    if args.command == "serve":
        from askdocs.serve.http.app import serve as serve_api

        try:
            serve_api(
                Path(args.index) if args.index else None,
                host=args.host,
                port=args.port,
                token=args.token,
                workers=args.workers,
                libraries=Path(args.libraries) if args.libraries else None,
                read_only=args.read_only,
            )
        except AskdocsError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    from askdocs.search.searcher import Searcher
    from askdocs.serve.presentation import hit_to_json, render_text

    try:
        searcher = Searcher.load(args.index)
        _, note = searcher.prepare_question(args.question)
        if note:
            print(f"note: {note}", file=sys.stderr)
        hits = searcher.search(args.question, k=args.k)
    except AskdocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([hit_to_json(hit) for hit in hits], ensure_ascii=False, indent=2))
    else:
        print(render_text(args.question, hits))
    return 0
