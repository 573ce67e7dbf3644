"""The int8 encoder: the model's transformer quantised (quantized.py) and run by ONNX Runtime."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.encoders.base import Encoder, Forwarded
from askdocs.encoders.fp32 import Fp32Encoder
from askdocs.encoders.quantized import EXPORT_RECIPE, Int8Transformer


class Int8Runner(Encoder):
    """What every int8 encoder shares: each text run alone through the int8 model, mean-pooled."""

    kind = "int8"
    int8: Int8Transformer
    recipe: str = EXPORT_RECIPE
    # What the model was trained to see before a question and before a passage (e5: "query: ", "passage: ").
    query_prefix: str = ""
    passage_prefix: str = ""

    @abstractmethod
    def _model_inputs(self, batch: list[str], prefix: str) -> tuple[list[dict[str, list[int]]], list[np.ndarray]]:
        """Each text's model inputs, `prefix` first and cut to the window, and its tokens' character
        offsets in the text (the prefix's tokens at (0, 0), like the special tokens)."""

    @abstractmethod
    def _save_tokenizer(self, path: Path) -> None:
        """Write the tokenizer as a `tokenizers` JSON file."""

    def record(self, tokenizer_path: Path) -> dict[str, Any] | None:
        """Save the tokenizer to `tokenizer_path`; return what finds the exported int8 model again.

        Every int8 build records it, also one made by a recorded encoder (an edit's re-ingest), so
        that its questions too are encoded without PyTorch.
        """
        self._save_tokenizer(tokenizer_path)
        stat = self.int8.path.stat()
        return {
            "onnx": str(self.int8.path),
            "onnx_bytes": stat.st_size,
            "onnx_mtime_ns": stat.st_mtime_ns,
            "recipe": self.recipe,
            "inputs": list(self.int8.input_names),
            "max_tokens": self.max_tokens,
            "prefixes": {"query": self.query_prefix, "passage": self.passage_prefix},
        }

    def encode_question(self, text: str) -> np.ndarray:
        """The question's unit vector, read after the model's question prefix."""
        inputs, _ = self._model_inputs([text], self.query_prefix)
        vector = next(self.int8.token_embeddings_each(inputs)).mean(axis=0)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def _forward(self, batch: list[str], ids: list[int]) -> Iterator[Forwarded]:
        # One text per run: as fast as batches of 16 here (1.38x fp32 either way), and int8's activation
        # scales are then the text's own, so a vector never depends on the texts batched with it.
        inputs, offsets = self._model_inputs(batch, self.passage_prefix)
        for i, tokens, offset in zip(ids, self.int8.token_embeddings_each(inputs), offsets):
            yield i, tokens.mean(axis=0), tokens, offset


class Int8Encoder(Int8Runner):
    """A sentence-transformers model's int8 copy, tokenised by the model's own tokenizer.

    Raises `Int8UnavailableError` when the model cannot run in int8 here.
    """

    def __init__(self, fp32: Fp32Encoder) -> None:
        self.fp32 = fp32
        self.int8 = Int8Transformer(fp32.model, fp32.path)
        self.name, self.dimension, self.max_tokens = fp32.name, fp32.dimension, fp32.max_tokens
        self.cache_name = f"{fp32.name} [{EXPORT_RECIPE}]"

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without the [CLS]/[SEP] markers."""
        return self.fp32.count_tokens(texts)

    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""
        return self.fp32.word_piece_offsets(text)

    def _model_inputs(self, batch: list[str], prefix: str) -> tuple[list[dict[str, list[int]]], list[np.ndarray]]:
        texts = [prefix + text for text in batch] if prefix else batch
        encoded = self.fp32.tokenizer(texts, truncation=True, max_length=self.max_tokens, return_offsets_mapping=True)
        inputs = [{name: encoded[name][row] for name in self.int8.input_names} for row in range(len(batch))]
        return inputs, [without_prefix(np.asarray(offsets), len(prefix)) for offsets in encoded["offset_mapping"]]

    def _save_tokenizer(self, path: Path) -> None:
        getattr(self.fp32.tokenizer, "backend_tokenizer", self.fp32.tokenizer).save(str(path))


def without_prefix(offsets: np.ndarray, prefix_length: int) -> np.ndarray:
    """Token offsets in a text that was encoded after a prefix: shifted back, the prefix's tokens at (0, 0)."""
    if not prefix_length or not len(offsets):
        return offsets
    shifted = np.maximum(offsets - prefix_length, 0)
    shifted[offsets[:, 1] <= prefix_length] = 0
    return shifted
