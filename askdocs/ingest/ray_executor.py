"""Ingest on Ray (`ingest.py --ray SPEC`): the per-item work of an ingest (`executor.Executor`) as Ray Data jobs.

Per-file reading and cleaning run as Ray tasks; chunk planning, embedding and MinHash signatures run
in autoscaling pools of actors, each holding the build's int8 model in one single-threaded
onnxruntime session and the model's tokenizer, so no worker imports PyTorch. The parts of the
corpus-wide steps (content hashes, near-duplicate bands and checks, the shards of a sharded build) run
as Ray tasks (`each`); the driver plans, groups and publishes through the same code as a local ingest
(`pipeline.build_index`), so the same `Searcher` serves it. Nothing imports Ray unless `--ray` is given.

SPEC is `local:N` (a private Ray instance on this machine with N worker CPUs, gone when the ingest
ends), `auto` (the running cluster: $RAY_ADDRESS or the latest `ray start`) or a cluster address.
The askdocs package is shipped to the workers with the job (`py_modules`); the model travels
through Ray's object store, so workers need no file of the driver's.
"""

from __future__ import annotations

import logging
import pickle
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.encoders import Encoder
from askdocs.errors import AskdocsError
from askdocs.ingest.corpus import CorpusFile, Document, SkippedFile
from askdocs.ingest.executor import Executor, ExecutorFactory
from askdocs.ray_session import ray_session
from askdocs.records import ChunkPlan, Passage
from askdocs.settings import ReadLimits

logger = logging.getLogger(__name__)

# Rows per actor call: large enough that Ray's per-batch overhead is small against the model's time.
BATCH_ROWS = 256


@dataclass(frozen=True)
class ModelShipment:
    """What a worker needs to run the build's int8 encoder: the exported model and tokenizer, as bytes."""

    name: str
    dimension: int
    entry: dict[str, Any]  # the encoder's record (inputs, window, recipe)
    onnx: bytes
    tokenizer: bytes


def ray_executor(spec: str, progress: bool = False) -> ExecutorFactory:
    """For `build_index(executor=...)`: runs an ingest's per-item work on Ray."""

    @contextmanager
    def open_ray() -> Iterator[Executor]:
        from ray.data import DataContext

        with ray_session(spec) as cpus:
            DataContext.get_current().enable_progress_bars = progress
            # Ray Data logs every job it starts and ends: noise beside the ingest's own summary.
            logging.getLogger("ray.data").setLevel(logging.WARNING)
            yield RayExecutor(cpus)

    return open_ray


def ship(encoder: Encoder) -> ModelShipment:
    """The int8 encoder's exported model and tokenizer, as bytes for the workers."""
    if encoder.kind != "int8":
        raise AskdocsError("--ray runs the int8 encoder in its workers; drop --encoder fp32 to use it")
    with tempfile.TemporaryDirectory(prefix="askdocs-ray-") as scratch:
        tokenizer_path = Path(scratch) / "tokenizer.json"
        entry = encoder.record(tokenizer_path)
        assert entry is not None  # every int8 encoder records itself
        return ModelShipment(
            encoder.name, encoder.dimension, entry, Path(entry["onnx"]).read_bytes(), tokenizer_path.read_bytes()
        )


class RayExecutor(Executor):
    """Ray Data jobs for reading (tasks) and for planning, embedding and MinHashes (actor pools of up to `cpus`)."""

    def __init__(self, cpus: int) -> None:
        self.shipment: Any = None
        self.cpus = cpus
        self.workers = cpus

    def use(self, encoder: Encoder) -> None:
        import ray

        self.shipment = ray.put(ship(encoder))

    def read(self, files: list[CorpusFile], limits: ReadLimits) -> list[Document | SkippedFile]:
        import ray.data

        rows = [{"i": i, "item": pickle.dumps(f)} for i, f in enumerate(files)]
        if not rows:
            return []
        done = ray.data.from_items(rows).map(_read_row, fn_kwargs={"limits": limits}, num_cpus=1)
        return _in_order(_run(done, "reading the corpus"))

    def plan(self, passages: list[Passage], chunk_tokens: int, overlap: int) -> list[ChunkPlan]:
        return self._on_actors("plan", passages, {"chunk_tokens": chunk_tokens, "overlap": overlap})

    def embed(self, texts: list[str], spans: list[list[tuple[int, int]]]) -> tuple[np.ndarray, list[np.ndarray]]:
        out = self._on_actors("embed", list(zip(texts, spans)), {})
        vectors = np.stack([v for v, _ in out]) if out else np.zeros((0, 0), np.float32)
        return vectors, [s for _, s in out]

    def minhash(self, texts: list[str]) -> np.ndarray:
        return np.stack(self._on_actors("minhash", texts, {}))

    def each(self, function: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        """One Ray task (one core) per item, side by side; the results in the items' order. At most
        one item per worker is in flight: an item (a shard of a 2M-chunk build is gigabytes) is put in
        the object store only when a worker is free for it, which bounds the driver's and the store's memory."""
        import ray
        from ray.exceptions import RayError

        task = ray.remote(num_cpus=1, max_retries=1)(function)
        results: dict[Any, int] = {}
        out: list[Any] = [None] * len(items)
        try:
            for at, item in enumerate(items):
                if len(results) >= self.cpus:
                    self._collect(results, out)
                results[task.remote(item)] = at
            while results:
                self._collect(results, out)
            return out
        except RayError as error:
            raise AskdocsError(
                f"Ray failed in a corpus-wide step of the build ({type(error).__name__}: {str(error).splitlines()[0][:300]}); "
                "the previous index is kept"
            ) from error

    @staticmethod
    def _collect(running: dict[Any, int], out: list[Any]) -> None:
        """Wait for one of the running tasks and put its result in its place."""
        import ray

        done, _ = ray.wait(list(running), num_returns=1)
        out[running.pop(done[0])] = ray.get(done[0])

    def _on_actors(self, op: str, items: list[Any], options: dict[str, Any]) -> list[Any]:
        """`op` of `_Worker` over the items, in an autoscaling actor pool; results in the items' order."""
        import ray.data

        if not items:
            return []
        rows = [{"i": i, "item": pickle.dumps(item)} for i, item in enumerate(items)]
        done = ray.data.from_items(rows).map_batches(
            _Worker,
            batch_size=BATCH_ROWS,
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=self.cpus),
            num_cpus=1,
            fn_constructor_kwargs={"shipment": self.shipment},
            fn_kwargs={"op": op, **options},
        )
        return _in_order(_run(done, f"the {op} step"))


def _run(dataset: Any, what: str) -> list[dict[str, Any]]:
    """Run a Ray Data job; a failure Ray could not recover from (it retries lost workers) is an AskdocsError."""
    from ray.exceptions import RayError

    try:
        return dataset.take_all()
    except RayError as error:
        raise AskdocsError(
            f"Ray failed during {what} ({type(error).__name__}: {str(error).splitlines()[0][:300]}); "
            "the previous index is kept"
        ) from error


def _in_order(rows: list[dict[str, Any]]) -> list[Any]:
    """Ray Data may finish rows out of order: put them back by their number, unpickled."""
    return [pickle.loads(row["result"]) for row in sorted(rows, key=lambda row: int(row["i"]))]


def _read_row(row: dict[str, Any], limits: ReadLimits) -> dict[str, Any]:
    """A Ray task: read and clean one corpus file."""
    from askdocs.ingest.corpus import read_file

    return {"i": row["i"], "result": pickle.dumps(read_file(pickle.loads(row["item"]), limits))}


class _Worker:
    """A Ray actor: the build's int8 encoder on one thread, for chunk plans, embeddings and MinHashes."""

    def __init__(self, shipment: Any) -> None:
        import ray

        from askdocs.encoders.recorded import RecordedInt8Encoder

        if isinstance(shipment, ray.ObjectRef):
            shipment = ray.get(shipment)
        self._scratch = tempfile.TemporaryDirectory(prefix="askdocs-worker-")
        folder = Path(self._scratch.name)
        (folder / "model.onnx").write_bytes(shipment.onnx)
        (folder / "tokenizer.json").write_bytes(shipment.tokenizer)
        self.encoder = RecordedInt8Encoder(
            shipment.name,
            folder / "model.onnx",
            folder / "tokenizer.json",
            shipment.entry,
            shipment.dimension,
            single_thread=True,
        )

    def __call__(self, batch: dict[str, np.ndarray], op: str, **options: int) -> dict[str, np.ndarray]:
        from askdocs.ingest.chunking import plan_chunks
        from askdocs.ingest.near_duplicates import compute_signatures

        items = [pickle.loads(item) for item in batch["item"]]
        if op == "plan":
            encoder = self.encoder
            results: list[Any] = plan_chunks(
                items, encoder.count_tokens, encoder.word_piece_offsets, options["chunk_tokens"], options["overlap"]
            )
        elif op == "embed":
            vectors, pooled = self.encoder.encode_with_spans([text for text, _ in items], [s for _, s in items])
            results = list(zip(vectors, pooled))
        else:
            results = list(compute_signatures(items))
        return {"i": batch["i"], "result": np.array([pickle.dumps(r) for r in results], dtype=object)}
