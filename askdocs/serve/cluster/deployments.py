"""`python -m askdocs serve --index DIR --ray SPEC [--replicas R]`: a sharded index served on Ray Serve.

One deployment per shard (`shard-00`, ...), each with R replicas of `ShardService`, and one ingress
deployment, the router, with R replicas of the same FastAPI app as `serve` without Ray: its searcher
opens the live build through the shards' deployments (remote_shard.py), so endpoints, JSON and token
rules are the same. Ray Serve does the rest: its HTTP proxy (on --host:--port, loopback unless a token
is given), routing between replicas, health checks, and replacing a replica that dies.

A new build is picked up without a restart: the router reads the live build on every request, as
without Ray, and the shards open it on the first call about it. A build with another number of
shards is redeployed by the command (it checks every `WATCH_SECONDS`), in place.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from askdocs.errors import AskdocsError
from askdocs.index import publication
from askdocs.index.shards import shard_names
from askdocs.ray_session import ray_session
from askdocs.serve.cluster.remote_shard import remote_opener
from askdocs.serve.cluster.shard_service import ShardService

logger = logging.getLogger(__name__)

APP_NAME = "askdocs"
WATCH_SECONDS = 2.0
# Ray Serve checks each replica this often and replaces one that fails or does not answer in time.
HEALTH_CHECK_SECONDS = 2.0
HEALTH_CHECK_TIMEOUT_SECONDS = 10.0
# Questions one replica works on at once (Ray Serve queues the rest or routes them to another replica).
ROUTER_ONGOING = 32
# A line per call at INFO would be several per question and shard: warnings and errors only.
QUIET_LOGS = {"log_level": "WARNING", "enable_access_log": False}
SHARD_ONGOING = 64


class ApiRouter:
    """The ingress: the HTTP API whose searcher asks every shard's deployment and merges their answers."""

    def __init__(
        self, index_dir: str, token: str | None, read_only: bool, hosts: frozenset[str] | None, *shards: Any
    ) -> None:
        self.index_dir, self.token, self.read_only, self.hosts = Path(index_dir), token, read_only, hosts
        self.shards = list(shards)

    def __serve_build_asgi_app__(self) -> Any:
        """The FastAPI app of `serve`, over the shards' deployments."""
        from askdocs.serve.http.app import create_app
        from askdocs.serve.http.common import LiveSearcher

        live = LiveSearcher(self.index_dir, remote_opener(self.shards))
        return create_app(self.index_dir, self.token, self.read_only, self.hosts, live=live)

    def check_health(self) -> None:
        """Ray Serve's health check: the index folder is still reachable from this replica."""
        if not self.index_dir.is_dir():
            raise AskdocsError(f"the index folder {self.index_dir} is gone")


def served_shards(index_dir: Path) -> int:
    """The live build's number of shards; an unsharded or missing build is an error naming the fix."""
    _, manifest = publication.open_live(index_dir, verify=False)
    if not manifest.shards:
        raise AskdocsError(
            f"the index at {index_dir} is not sharded: serving on Ray needs a sharded build; run "
            f"`python ingest.py --index {index_dir} --shards 4` (or serve it without --ray)"
        )
    return len(manifest.shards)


def application(index_dir: Path, shards: int, replicas: int, cpus: float, api: dict[str, Any]) -> Any:
    """The Serve application: a deployment per shard and the router bound to their handles."""
    from ray import serve

    options = {
        "num_replicas": replicas,
        "logging_config": QUIET_LOGS,
        "health_check_period_s": HEALTH_CHECK_SECONDS,
        "health_check_timeout_s": HEALTH_CHECK_TIMEOUT_SECONDS,
    }
    # Fractions of a CPU when the instance has fewer than one per replica (a laptop's `local:2`).
    share = min(1.0, cpus / (replicas * (shards + 1)))
    bound = [
        serve.deployment(ShardService)
        .options(name=name, max_ongoing_requests=SHARD_ONGOING, ray_actor_options={"num_cpus": share}, **options)
        .bind(str(index_dir.resolve()), number)
        for number, name in enumerate(shard_names(shards))
    ]
    router = serve.deployment(serve.ingress()(ApiRouter)).options(
        name="router", max_ongoing_requests=ROUTER_ONGOING, ray_actor_options={"num_cpus": share}, **options
    )
    return router.bind(str(index_dir.resolve()), api["token"], api["read_only"], api["hosts"], *bound)


def serve_on_ray(
    index_dir: Path, spec: str, replicas: int, host: str, port: int, api: dict[str, Any], stop: threading.Event
) -> None:
    """Serve until `stop` is set (or SIGINT, SIGTERM when called from the main thread); `api` holds the
    router's token, read_only and hosts."""
    if replicas < 1:
        raise AskdocsError(f"--replicas must be 1 or more, not {replicas}")
    shards = served_shards(index_dir)
    with ray_session(spec) as cpus:
        from ray import serve

        serve.start(http_options={"host": host, "port": port}, logging_config=QUIET_LOGS)
        try:
            serve.run(application(index_dir, shards, replicas, cpus, api), name=APP_NAME, route_prefix="/")
            logger.info(
                "serving %s in %d shards x %d replicas on http://%s:%d", index_dir, shards, replicas, host, port
            )
            _stop_on_signals(stop)
            token = publication.current_token(index_dir)
            while not stop.wait(WATCH_SECONDS):
                latest = publication.current_token(index_dir)
                if latest == token:
                    continue
                token = latest
                try:
                    count = served_shards(index_dir)
                except AskdocsError as error:
                    logger.warning("the new build cannot be served: %s", error)
                    continue
                if count != shards:
                    logger.info("the new build has %d shards, not %d: redeploying", count, shards)
                    shards = count
                    serve.run(application(index_dir, shards, replicas, cpus, api), name=APP_NAME, route_prefix="/")
        finally:  # on a cluster (`auto`, an address) the application would outlive this command
            serve.shutdown()


def _stop_on_signals(stop: threading.Event) -> None:
    """SIGINT and SIGTERM set `stop` (only the main thread can take signals)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
