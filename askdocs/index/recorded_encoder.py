"""The question encoder a build recorded: its int8 model and tokenizer, found again from the manifest.

The encoder itself is `encoders/recorded.py`'s; what this module adds is reading the build's record
(the exported model file, the tokenizer kept in the build, their checksums) to decide whether it can
still be used, so the encoder module needs nothing of the build folder's format.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from askdocs.encoders import export_recipe
from askdocs.encoders.recorded import FEATURES, RecordedInt8Encoder
from askdocs.fileio import file_sha256
from askdocs.index.build_folder import TOKENIZER, BuildReader, Manifest

logger = logging.getLogger(__name__)


def recorded_encoder(build: BuildReader, manifest: Manifest, for_ingest: bool = False) -> RecordedInt8Encoder | None:
    """The build's recorded int8 model and tokenizer, or None when they cannot be used here.

    A searcher uses them whatever recipe made them (they made the index's vectors); an ingest
    only when they come from the current recipe, so that a new recipe re-embeds.
    """
    entry = manifest.question_encoder
    if not entry or manifest.encoder != "int8" or not set(entry["inputs"]) <= set(FEATURES):
        return None
    if for_ingest and entry.get("recipe") != export_recipe(manifest.model):
        return None
    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("tokenizers") is None:
        return None
    onnx_path, tokenizer_path = Path(entry["onnx"]), build.path(TOKENIZER)
    try:
        stat = onnx_path.stat()
    except OSError:
        logger.info("the int8 model %s the index was built with is gone; loading the full model", onnx_path)
        return None
    if (stat.st_size, stat.st_mtime_ns) != (entry["onnx_bytes"], entry["onnx_mtime_ns"]):
        logger.info("the int8 model %s changed since the index was built; loading the full model", onnx_path)
        return None
    expected = manifest.files.get(TOKENIZER, {}).get("sha256")
    if not tokenizer_path.is_file() or file_sha256(tokenizer_path) != expected:
        return None
    try:
        return RecordedInt8Encoder(manifest.model, onnx_path, tokenizer_path, entry, manifest.dimension)
    except Exception as error:  # noqa: BLE001 - tokenizers and onnxruntime raise bare Exceptions; the full model still works
        logger.warning("cannot load the recorded int8 model (%s); loading the full model", error)
        return None
