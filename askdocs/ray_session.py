"""A Ray instance for one command (`ingest.py --ray SPEC`, `python -m askdocs serve --ray SPEC`): started
privately on loopback (`local:N`) or attached to a running cluster (`auto`, an address).

SPEC is `local:N` (a private Ray instance on this machine with N worker CPUs, gone when the command
ends), `auto` (the running cluster: $RAY_ADDRESS or the latest `ray start`) or a cluster address.
The askdocs package is shipped to the workers with the job (`py_modules`). Ray is imported only here
and by the modules that run on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from askdocs.errors import AskdocsError


def parse_spec(spec: str) -> tuple[str, int | None]:
    """`local:N` -> ("local", N); `auto` or an address -> (it, None). A bad spec is an AskdocsError."""
    if spec.startswith("local"):
        _, _, count = spec.partition(":")
        if not count.isdigit() or int(count) < 1:
            raise AskdocsError(f"--ray {spec!r}: write local:N with N the number of worker CPUs, e.g. --ray local:2")
        return "local", int(count)
    if not spec:
        raise AskdocsError("--ray needs local:N, auto or a cluster address")
    return spec, None


@contextmanager
def ray_session(spec: str) -> Iterator[int]:
    """Ray started (`local:N`) or attached to (`auto`, an address) for one command; yields the worker CPUs."""
    import ray

    address, cpus = parse_spec(spec)
    package = str(Path(__file__).resolve().parent)
    options: dict[str, Any] = {"runtime_env": {"py_modules": [package]}, "logging_level": logging.WARNING}
    try:
        if address == "local":
            # A private instance on loopback, without a dashboard: no port is open beyond this machine.
            _keep_loopback_as_node_address()
            ray.init(address="local", num_cpus=cpus, include_dashboard=False, _node_ip_address="127.0.0.1", **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise AskdocsError(f"cannot start or reach Ray at {spec!r} ({error}); the previous index is kept") from error
    try:
        yield max(1, int(ray.cluster_resources().get("CPU", 1)))
    finally:
        ray.shutdown()


def _keep_loopback_as_node_address() -> None:
    """Let a private instance's node address be 127.0.0.1, so that Ray's servers listen on loopback only.

    Ray swaps a loopback node address for the machine's outward one (to be reachable by other nodes),
    and its servers then listen on every interface. A `local:N` instance has no other node.
    """
    from ray._private import services

    if getattr(services.resolve_ip_for_localhost, "askdocs_loopback", False):
        return
    outward = services.resolve_ip_for_localhost

    def resolve(host: str) -> str:
        return host if services.is_localhost(host) else outward(host)

    resolve.askdocs_loopback = True  # type: ignore[attr-defined]
    services.resolve_ip_for_localhost = resolve
