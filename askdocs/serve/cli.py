"""Command lines: `python ingest.py ...`, `python -m askdocs ask ...` and `python -m askdocs serve`; errors become exit codes here.

Their arguments are in cli_args.py. What a command runs is imported when it runs: the ingest modules
for ingest.py, Ray only with --ray, the searcher for `ask`, the HTTP server for `serve`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from askdocs.errors import AskdocsError
from askdocs.libraries import Library, libraries_in, single_library
from askdocs.serve.cli_args import ingest_parser, main_parser
from askdocs.serve.environment import ALLOWED_HOSTS_ENV, TOKEN_ENV
from askdocs.settings import IndexSettings, StepSettings

if TYPE_CHECKING:  # the ingest modules are imported only when an ingest runs
    from askdocs.ingest.executor import ExecutorFactory


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


def ingest_main(argv: list[str] | None = None) -> int:
    """Entry point of ingest.py."""
    args = ingest_parser().parse_args(argv)
    _setup_logging(args.verbose)
    if not args.quiet:  # a long ingest's steps: "1,200 of 5,000 files searchable, about 40 minutes left"
        logging.getLogger("askdocs.ingest.pipeline").setLevel(logging.INFO)
    settings = replace(
        IndexSettings(),
        model=args.model,
        max_file_bytes=args.max_file_bytes,
        max_file_seconds=args.max_file_seconds,
        ocr=not args.no_ocr,
        encoder=args.encoder,
        shards=args.shards,
    )
    try:
        libraries = _libraries(args)
        executor = _ray_executor(args)
    except AskdocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.watch:
        return _watch(libraries, settings, executor, args)
    return _ingest_each(libraries, settings, executor, args)


def _libraries(args: argparse.Namespace) -> list[Library]:
    """The libraries an ingest command names: every one in --libraries DIR, or the one --corpus."""
    if args.libraries is not None:
        return libraries_in(Path(args.libraries), Path(args.index) if args.index else None)
    return [single_library(Path(args.corpus), Path(args.index or "index"))]


def _ray_executor(args: argparse.Namespace) -> ExecutorFactory | None:
    """With --ray, the factory of a Ray executor (a bad spec fails before any work); else None, this process."""
    if args.ray is None:
        return None
    from askdocs.ingest.ray_executor import ray_executor
    from askdocs.ray_session import parse_spec

    parse_spec(args.ray)
    return ray_executor(args.ray, progress=not args.quiet)


def _ingest_each(
    libraries: list[Library], settings: IndexSettings, executor: ExecutorFactory | None, args: argparse.Namespace
) -> int:
    """Ingest each library once, printing its summary; 2 when any failed, 130 when interrupted."""
    from askdocs.ingest.pipeline import build_index

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
                steps=StepSettings(first_bytes=args.first_step_bytes) if args.first_step_bytes > 0 else None,
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


def _watch(
    libraries: list[Library], settings: IndexSettings, executor: ExecutorFactory | None, args: argparse.Namespace
) -> int:
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


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m askdocs`: `ask` a question, `serve` the HTTP API, or manage `users`."""
    args = main_parser().parse_args(argv)
    _setup_logging(False)
    if args.command == "serve":
        return _serve(args)
    if args.command == "users":
        from askdocs.serve.users_cli import users_main

        return users_main(args)
    return _ask(args)


def _serve(args: argparse.Namespace) -> int:
    """`python -m askdocs serve`: the HTTP API until stopped; 2 when it cannot start."""
    if args.ray is not None:
        return _serve_on_ray(args)
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
            hosts=args.allowed_host,
            sign_in_proxy=args.sign_in_proxy,
            user_header=args.user_header,
        )
    except AskdocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _serve_on_ray(args: argparse.Namespace) -> int:
    """`python -m askdocs serve --ray SPEC`: a sharded index on Ray Serve until stopped; 2 when it cannot start."""
    import threading

    from askdocs.ray_session import parse_spec
    from askdocs.serve.cluster.deployments import serve_on_ray
    from askdocs.serve.http.common import check_bind
    from askdocs.serve.request_origin import allowed_hosts, hosts_from_setting

    token = args.token or os.environ.get(TOKEN_ENV) or None
    try:
        if args.libraries:
            raise AskdocsError("--ray serves one sharded index (--index DIR), not a folder of libraries")
        parse_spec(args.ray)
        check_bind(args.host, token)
        api = {
            "token": token,
            "read_only": args.read_only,
            "hosts": allowed_hosts(
                args.host, [*args.allowed_host, *hosts_from_setting(os.environ.get(ALLOWED_HOSTS_ENV))]
            ),
        }
        serve_on_ray(Path(args.index or "index"), args.ray, args.replicas, args.host, args.port, api, threading.Event())
    except AskdocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _ask(args: argparse.Namespace) -> int:
    """`python -m askdocs ask QUESTION`: the hits, as text or JSON; 2 when the index cannot answer."""
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
