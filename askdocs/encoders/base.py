"""The encoder interface: texts in, unit vectors out, plus the tokenizer facts chunking needs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

# (text's id, pooled vector, token embeddings, token character offsets) for each text of a block.
Forwarded = tuple[int, np.ndarray, np.ndarray, np.ndarray]


class Encoder(ABC):
    """A model that turns texts into unit vectors (cosine = inner product), with its tokenizer and window.

    Implementations: `Fp32Encoder` (sentence-transformers as is), `Int8Encoder` (its transformer
    quantised, run by ONNX Runtime) and `RecordedInt8Encoder` (the int8 model and tokenizer a build
    recorded, without PyTorch). A new one implements the three abstract methods.
    """

    name: str  # the model's name, as the settings give it
    kind: str  # "int8" or "fp32": what actually runs; vectors of different kinds are never mixed
    cache_name: str  # names the model and how it runs, for embedding cache keys
    dimension: int
    max_tokens: int  # the window, [CLS] and [SEP] included

    @abstractmethod
    def count_tokens(self, texts: list[str]) -> list[int]:
        """Word pieces in each text, without the [CLS]/[SEP] markers."""

    @abstractmethod
    def word_piece_offsets(self, text: str) -> list[tuple[int, int]]:
        """Character spans of the text's word pieces, [CLS] and [SEP] left out."""

    @abstractmethod
    def _forward(self, batch: list[str], ids: list[int]) -> Iterator[Forwarded]:
        """The pooled vector and token embeddings of each text of a length-sorted block, cut to the window."""

    def record(self, tokenizer_path: Path) -> dict[str, Any] | None:
        """What a build records to find this encoder again without loading the full model (None: nothing)."""
        return None

    def encode_question(self, text: str) -> np.ndarray:
        """The text's unit vector, as chunks are encoded."""
        return self.encode([text])[0]

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.encode_with_spans(texts, [[] for _ in texts], progress)[0]

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
                pooled[i] = pool_spans(tokens, offset, spans[i], self.dimension)
        return vectors, pooled


def pool_spans(tokens: np.ndarray, offsets: np.ndarray, spans: list[tuple[int, int]], dimension: int) -> np.ndarray:
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
