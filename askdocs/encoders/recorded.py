"""The int8 model and tokenizer a build recorded, run with onnxruntime and tokenizers alone, without PyTorch.

An index built by the int8 encoder records the exported model file it used and keeps the model's
tokenizer (`Int8Encoder.record`). A searcher encodes questions with exactly those two, so loading an
index does not import sentence-transformers and PyTorch (4.7 of the 5.2 s a page took to load the
seed index), and the next ingest embeds edited chunks with them too. When either cannot be used the
full model is loaded instead (docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from askdocs.encoders.int8 import Int8Runner, without_prefix
from askdocs.encoders.quantized import EXPORT_RECIPE, Int8Transformer

# The token features each exported model input is fed from.
FEATURES = {"input_ids": "ids", "token_type_ids": "type_ids", "attention_mask": "attention_mask"}


class RecordedInt8Encoder(Int8Runner):
    """An int8 encoder whose model and tokenizer come from a build's record instead of sentence-transformers."""

    def __init__(
        self,
        name: str,
        onnx_path: Path,
        tokenizer_path: Path,
        entry: dict[str, Any],
        dimension: int,
        single_thread: bool = False,
    ) -> None:
        from tokenizers import Tokenizer

        self.name, self.dimension = name, dimension
        self.recipe = entry.get("recipe", EXPORT_RECIPE)
        self.cache_name = f"{name} [{self.recipe}]"
        prefixes = entry.get("prefixes", {})
        self.query_prefix, self.passage_prefix = prefixes.get("query", ""), prefixes.get("passage", "")
        self.max_tokens = int(entry["max_tokens"])
        self.int8 = Int8Transformer.load(onnx_path, entry["inputs"], single_thread)
        self._features = {input_name: FEATURES[input_name] for input_name in entry["inputs"]}
        # One copy, without truncation (texts are counted whole: chunking, a question's length); inputs
        # are cut to the window by `tokenized_inputs`. A second, truncating copy cost 300 MB for e5's
        # 250k-piece vocabulary.
        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without the [CLS]/[SEP] markers."""
        return [len(encoding.ids) for encoding in self.tokenizer.encode_batch(texts, add_special_tokens=False)]

    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""
        return list(self.tokenizer.encode(text, add_special_tokens=False).offsets)

    def _save_tokenizer(self, path: Path) -> None:
        self.tokenizer.save(str(path))

    def _model_inputs(self, batch: list[str], prefix: str) -> tuple[list[dict[str, list[int]]], list[np.ndarray]]:
        return tokenized_inputs(self.tokenizer, self._features, batch, prefix, self.max_tokens)


def tokenized_inputs(
    tokenizer: Any, features: dict[str, str], batch: list[str], prefix: str, window: int
) -> tuple[list[dict[str, list[int]]], list[np.ndarray]]:
    """Model inputs and text offsets of each text, `prefix` first, from a `tokenizers` tokenizer (not
    truncating), cut to `window` tokens as its truncation would: the first pieces, then the end marker."""
    encodings = tokenizer.encode_batch([prefix + text for text in batch] if prefix else batch)
    inputs, offsets = [], []
    for e in encodings:
        keep = [*range(window - 1), len(e.ids) - 1] if len(e.ids) > window else None
        row = {name: getattr(e, feature) for name, feature in features.items()}
        spans = np.asarray(e.offsets, dtype=np.int64).reshape(-1, 2)
        if keep is not None:
            row = {name: [values[i] for i in keep] for name, values in row.items()}
            spans = spans[keep]
        inputs.append(row)
        offsets.append(without_prefix(spans, len(prefix)))
    return inputs, offsets
