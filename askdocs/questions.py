"""Questions to vectors at search time with onnxruntime and tokenizers alone, without PyTorch.

An index built by the int8 encoder records the exported model it used and keeps the model's
tokenizer (`tokenizer.json`). A searcher then encodes questions with exactly those two, so loading
the index does not import sentence-transformers and PyTorch (4.7 of the 5.2 s a page took to load
the seed index; README, Performance). When either is missing the searcher loads the full model.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"
# The token features each exported model input is fed from.
_FEATURES = {"input_ids": "ids", "token_type_ids": "type_ids", "attention_mask": "attention_mask"}


class QuestionEncoder(Protocol):
    """What a searcher needs to turn a question into a vector."""

    encoder: str
    dimension: int
    max_tokens: int

    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""
        ...

    def encode_question(self, text: str) -> np.ndarray:
        """The text's unit vector, as its index's chunks were encoded."""
        ...


def describe(embedder: Any, build: Path) -> dict[str, Any] | None:
    """Save the embedder's tokenizer in `build` and return the manifest entry that finds its int8 model again.

    None (nothing saved) when the embedder does not run the int8 model.
    """
    int8 = getattr(embedder, "int8", None)
    if int8 is None:
        return None
    embedder.tokenizer.backend_tokenizer.save(str(build / TOKENIZER_FILE))
    stat = int8.path.stat()
    return {
        "onnx": str(int8.path),
        "onnx_bytes": stat.st_size,
        "onnx_mtime_ns": stat.st_mtime_ns,
        "inputs": list(int8.input_names),
        "max_tokens": embedder.max_tokens,
    }


class OnnxQuestionEncoder:
    """The int8 model and tokenizer an index was built with, run without PyTorch."""

    encoder = "int8"

    def __init__(
        self, onnx_path: Path, tokenizer_path: Path, inputs: list[str], max_tokens: int, dimension: int
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        from askdocs.quantized import onnx_session

        self.dimension = dimension
        self.max_tokens = max_tokens
        self.inputs = {name: _FEATURES[name] for name in inputs}
        # Two copies, because truncation is a setting of the tokenizer: questions are counted whole
        # (to say when one is cut) but encoded cut to the window, as ingest encoded chunks.
        self._count = Tokenizer.from_file(str(tokenizer_path))
        self._count.no_truncation()
        self._count.no_padding()
        self._encode = Tokenizer.from_file(str(tokenizer_path))
        self._encode.enable_truncation(max_tokens)
        self._encode.no_padding()
        self.session = onnx_session(onnxruntime, onnx_path, threads=0)  # a question gets every core

    @classmethod
    def for_build(cls, build: Path, manifest: dict[str, Any]) -> OnnxQuestionEncoder | None:
        """The build's recorded question encoder, or None when it cannot be used here (the caller loads the model)."""
        entry = manifest.get("question_encoder")
        if not entry or manifest.get("encoder") != "int8" or not set(entry["inputs"]) <= set(_FEATURES):
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
        try:
            return cls(onnx_path, tokenizer_path, entry["inputs"], entry["max_tokens"], manifest["dimension"])
        except Exception as error:  # noqa: BLE001 - tokenizers and onnxruntime raise bare Exceptions; the full model still works
            logger.warning("cannot load the recorded question encoder (%s); loading the full model", error)
            return None

    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""
        return list(self._count.encode(text, add_special_tokens=False).offsets)

    def encode_question(self, text: str) -> np.ndarray:
        """The text's unit vector: the mean of its token embeddings, normalised."""
        encoding = self._encode.encode(text)
        feed = {name: np.asarray([getattr(encoding, feature)], dtype=np.int64) for name, feature in self.inputs.items()}
        vector = self.session.run(None, feed)[0][0].mean(axis=0)
        return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
