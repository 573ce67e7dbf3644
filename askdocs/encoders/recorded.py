"""The int8 model and tokenizer a build recorded, run with onnxruntime and tokenizers alone, without PyTorch.

An index built by the int8 encoder records the exported model file it used and keeps the model's
tokenizer (`tokenizer.json`). A searcher encodes questions with exactly those two, so loading an
index does not import sentence-transformers and PyTorch (4.7 of the 5.2 s a page took to load the
seed index), and the next ingest embeds edited chunks with them too. When either cannot be used the
full model is loaded instead (README, Performance).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from askdocs import store
from askdocs.embedding import Embedder
from askdocs.quantized import EXPORT_RECIPE, Int8Transformer

logger = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"
# The token features each exported model input is fed from.
_FEATURES = {"input_ids": "ids", "token_type_ids": "type_ids", "attention_mask": "attention_mask"}


def describe(embedder: Embedder, build: Path) -> dict[str, Any] | None:
    """Save the embedder's tokenizer in `build` and return the manifest entry that finds its int8 model again.

    None (nothing saved) when the embedder does not run the int8 model.
    """
    if embedder.int8 is None:
        return None
    tokenizer = getattr(embedder.tokenizer, "backend_tokenizer", embedder.tokenizer)
    tokenizer.save(str(build / TOKENIZER_FILE))
    stat = embedder.int8.path.stat()
    return {
        "onnx": str(embedder.int8.path),
        "onnx_bytes": stat.st_size,
        "onnx_mtime_ns": stat.st_mtime_ns,
        "recipe": EXPORT_RECIPE,
        "inputs": list(embedder.int8.input_names),
        "max_tokens": embedder.max_tokens,
    }


class RecordedEmbedder(Embedder):
    """An Embedder whose int8 model and tokenizer come from a build's record instead of sentence-transformers."""

    def __init__(self, name: str, onnx_path: Path, tokenizer_path: Path, entry: dict[str, Any], dimension: int) -> None:
        from tokenizers import Tokenizer

        self.name, self.encoder, self.dimension = name, "int8", dimension
        self.cache_name = f"{name} [{entry.get('recipe', EXPORT_RECIPE)}]"
        self.max_tokens = int(entry["max_tokens"])
        self.model = None
        self.int8 = Int8Transformer.load(onnx_path, entry["inputs"])
        self._features = {input_name: _FEATURES[input_name] for input_name in entry["inputs"]}
        # Two copies, because truncation is a setting of the tokenizer: texts are counted whole
        # (chunking, a question's length) but encoded cut to the window.
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        self._truncating = Tokenizer.from_file(str(tokenizer_path))
        self._truncating.enable_truncation(self.max_tokens)
        self._truncating.no_padding()

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without the [CLS]/[SEP] markers."""
        return [len(encoding.ids) for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).offsets)

    def _forward(self, batch: list[str], ids: list[int], batch_size: int = 16) -> Iterator[tuple]:
        """(id, pooled vector, token embeddings, token offsets) for each text, as Embedder's int8 path gives them."""
        assert self.int8 is not None
        encodings = self._truncating.encode_batch(batch)
        each = [{name: getattr(e, feature) for name, feature in self._features.items()} for e in encodings]
        for i, tokens, encoding in zip(ids, self.int8.token_embeddings_each(each), encodings):
            yield i, tokens.mean(axis=0), tokens, np.asarray(encoding.offsets)


def recorded_embedder(build: Path, manifest: dict[str, Any], for_ingest: bool = False) -> RecordedEmbedder | None:
    """The build's recorded int8 model and tokenizer, or None when they cannot be used here.

    A searcher uses them whatever recipe made them (they made the index's vectors); an ingest
    only when they come from the current recipe, so that a new recipe re-embeds.
    """
    entry = manifest.get("question_encoder")
    if not entry or manifest.get("encoder") != "int8" or not set(entry["inputs"]) <= set(_FEATURES):
        return None
    if for_ingest and entry.get("recipe") != EXPORT_RECIPE:
        return None
    if importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("tokenizers") is None:
        return None
    onnx_path, tokenizer_path = Path(entry["onnx"]), build / TOKENIZER_FILE
    try:
        stat = onnx_path.stat()
    except OSError:
        logger.info("the int8 model %s the index was built with is gone; loading the full model", onnx_path)
        return None
    if (stat.st_size, stat.st_mtime_ns) != (entry["onnx_bytes"], entry["onnx_mtime_ns"]):
        logger.info("the int8 model %s changed since the index was built; loading the full model", onnx_path)
        return None
    expected = manifest.get("files", {}).get(TOKENIZER_FILE, {}).get("sha256")
    if not tokenizer_path.is_file() or store.file_sha256(tokenizer_path) != expected:
        return None
    try:
        return RecordedEmbedder(manifest["model"], onnx_path, tokenizer_path, entry, manifest["dimension"])
    except Exception as error:  # noqa: BLE001 - tokenizers and onnxruntime raise bare Exceptions; the full model still works
        logger.warning("cannot load the recorded int8 model (%s); loading the full model", error)
        return None
