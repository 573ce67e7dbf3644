"""The int8 encoder: the model's transformer exported to ONNX once, weights quantised, run by ONNX Runtime.

sentence-transformers' own ONNX backend needs optimum, which cannot be installed beside
transformers 5, so the export is done here with torch.onnx and onnxruntime's quantize_dynamic.
Only the weight matrices are quantised, per output channel: on this project's 2-core AVX-512 VNNI
CPU that encoded MedQuAD chunks 1.37x faster than torch fp32, with cosine >= 0.985 to the fp32
vectors; per-tensor weights were 1.29x but fell to 0.88 (docs/performance.md).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.errors import Int8UnavailableError

logger = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where exported models are kept: $ASKDOCS_CACHE, else the user's cache folder."""
    if os.environ.get("ASKDOCS_CACHE"):
        return Path(os.environ["ASKDOCS_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "askdocs"


def _check_supported(model: Any) -> None:
    """Raise Int8UnavailableError unless the model is a transformer with mean pooling (optionally normalised)."""
    from sentence_transformers.models import Normalize, Pooling, Transformer

    if importlib.util.find_spec("onnxruntime") is None:
        raise Int8UnavailableError("onnxruntime is not installed")
    modules = list(model)
    if not modules or not isinstance(modules[0], Transformer):
        raise Int8UnavailableError("the model does not start with a transformer")
    rest = modules[1:]
    if not (rest and isinstance(rest[0], Pooling) and rest[0].pooling_mode == "mean"):
        raise Int8UnavailableError("the model does not use mean pooling")
    if not all(isinstance(m, Normalize) for m in rest[1:]):
        raise Int8UnavailableError(f"the model has modules after pooling: {[type(m).__name__ for m in rest[1:]]}")


# How the int8 copy is made. It keys both the exported file and the embedding cache, so changing
# it exports again and re-embeds rather than mixing vectors of two recipes in one index.
EXPORT_RECIPE = "int8 v2: eager attention, MatMul weights per channel"


def _fingerprint(model_dir: str, transformer: Any) -> str:
    """Names, sizes and times of the model's files, so a changed model is exported again."""
    import onnxruntime
    import torch

    parts = [
        EXPORT_RECIPE,
        model_dir,
        torch.__version__,
        onnxruntime.__version__,
        type(transformer.auto_model).__name__,
    ]
    folder = Path(model_dir)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                parts.append(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _export(transformer: Any, input_names: list[str], target: Path) -> None:
    """Export a sentence-transformers transformer's model to ONNX with its weights quantised, at `target`."""
    sample = transformer.tokenizer(["a short text", "two"], padding=True, return_tensors="pt")
    export_int8(transformer.auto_model, {name: sample[name] for name in input_names}, target)


def export_int8(auto_model: Any, sample: dict[str, Any], target: Path, op_types: tuple[str, ...] = ("MatMul",)) -> None:
    """Export a transformers model's token embeddings to ONNX, quantise `op_types` weights to int8 and
    move the result to `target` (atomically). `sample`: a padded batch of its inputs, by name."""
    import torch

    input_names = list(sample)

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, auto_model: torch.nn.Module) -> None:
            super().__init__()
            self.auto_model = auto_model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.auto_model(**dict(zip(input_names, inputs))).last_hidden_state

    axes = {name: {0: "batch", 1: "tokens"} for name in [*input_names, "token_embeddings"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    level = root.level
    # The tracer warns about Python branches in transformers' mask code (the sample batch is padded, so
    # the traced graph keeps the mask), and the quantiser logs a pre-processing tip: noise for users.
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        root.setLevel(logging.ERROR)
        try:
            full = Path(scratch) / "model.onnx"
            with torch.no_grad(), _eager_attention(auto_model):
                torch.onnx.export(
                    TokenEmbeddings(auto_model).eval(),
                    tuple(sample[name] for name in input_names),
                    str(full),
                    input_names=input_names,
                    output_names=["token_embeddings"],
                    dynamic_axes=axes,
                    opset_version=17,
                    dynamo=False,
                )
            quantized = Path(scratch) / "model-int8.onnx"
            quantize_weights(full, quantized, op_types)
        finally:
            root.setLevel(level)
        os.replace(quantized, target)  # atomic: a concurrent or killed export never leaves half a file


def quantize_weights(source: Path, target: Path, op_types: tuple[str, ...] = ("MatMul",)) -> None:
    """The recipe's quantisation: every weight matrix of `op_types` to int8, per output channel."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(
        str(source), str(target), weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=list(op_types)
    )


@contextmanager
def _eager_attention(auto_model: Any) -> Iterator[None]:
    """Trace the model with plain (eager) attention, then restore its own.

    The traced SDPA mask adds Where/IsNaN steps to every layer; without them the int8 copy
    encoded MedQuAD chunks 1.21x faster, as close to fp32 (mean cosine 0.9945 both; docs/performance.md).
    """
    before = getattr(auto_model.config, "_attn_implementation", None)
    try:
        auto_model.set_attn_implementation("eager")
    except (AttributeError, ValueError) as error:  # older transformers, or a model without the choice
        logger.debug("exporting with the model's own attention (%s)", error)
        before = None
    try:
        yield
    finally:
        if before is not None:
            auto_model.set_attn_implementation(before)


class Int8Transformer:
    """Token embeddings from the int8 ONNX copy of a sentence-transformers model's transformer."""

    def __init__(self, model: Any, model_dir: str) -> None:
        _check_supported(model)
        transformer = model[0]
        self.input_names = [n for n in transformer.tokenizer.model_input_names if n != "position_ids"]
        target = cache_dir() / "onnx" / f"{_fingerprint(model_dir, transformer)}" / "model-int8.onnx"
        try:
            if not target.exists():
                logger.info("exporting an int8 copy of the model to %s (once)", target)
                _export(transformer, self.input_names, target)
            self._open(target)
            self.bulk_session  # noqa: B018 - opened now, so that a failure falls back to fp32 here
        except Exception as error:  # any exporter or runtime failure means: use fp32
            raise Int8UnavailableError(f"could not export or load the int8 model ({error})") from error

    @classmethod
    def load(cls, path: Path, input_names: list[str], single_thread: bool = False) -> Int8Transformer:
        """The int8 copy exported earlier to `path`, without the model it came from (so without PyTorch).

        `single_thread`: one single-threaded session for everything (a worker of a distributed ingest,
        which runs one of these per core).
        """
        loaded = cls.__new__(cls)
        loaded.input_names = list(input_names)
        loaded._open(path, single_thread)
        return loaded

    def _open(self, path: Path, single_thread: bool = False) -> None:
        import onnxruntime

        self.path = path
        # A question: all cores on one text.
        self.session = onnx_session(onnxruntime, path, threads=1 if single_thread else 0)
        self.workers = 1 if single_thread else _cores()

    @cached_property
    def bulk_session(self) -> Any:
        """Many texts: one single-threaded run per core, side by side.

        On 2 cores that encoded 400 MedQuAD answers 1.18x faster than one run at a time on both
        cores (docs/performance.md). Opened on first use: a searcher never needs it.
        """
        import onnxruntime

        return onnx_session(onnxruntime, self.path, threads=1) if self.workers > 1 else self.session

    def token_embeddings_each(self, encoded: list[dict[str, list[int]]]) -> Iterator[np.ndarray]:
        """Token embeddings, shape (tokens, dimension), of each text encoded alone, in order."""

        def run(one: dict[str, list[int]], session: Any = self.bulk_session) -> np.ndarray:
            feed = {name: np.asarray([one[name]], dtype=np.int64) for name in self.input_names}
            return session.run(None, feed)[0][0]

        if self.workers == 1 or len(encoded) == 1:  # a question gets every core
            yield from (run(one, self.session) for one in encoded)
            return
        # onnxruntime releases the GIL while it runs, so threads use every core.
        with ThreadPoolExecutor(self.workers) as pool:
            yield from pool.map(run, encoded)


def _cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def onnx_session(onnxruntime: Any, path: Path, threads: int) -> Any:
    """An onnxruntime CPU session for the model at `path` (`threads` 0: onnxruntime's default)."""
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    # Idle workers would otherwise spin after each question and take the cores the vector and keyword
    # search need next (MedQuAD warm query p50 24 -> 13 ms).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
