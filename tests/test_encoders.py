"""The encoders: int8 by default, close to fp32, falling back to fp32 where int8 cannot run."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from askdocs import AskdocsError, IndexMismatchError, Searcher
from askdocs.encoders import Encoder, Fp32Encoder, Int8Encoder, load_encoder, resolve_model
from askdocs.encoders.quantized import Int8Transformer
from askdocs.ingest.pipeline import build_index
from askdocs.settings import DEFAULT_MODEL, IndexSettings
from tests.conftest import SEED_LIKE, edited_manifest, write_corpus

TEXTS = [
    "What is sciatica?",
    "Vertebroplasty injects bone cement into a compressed vertebra to stabilise fractures caused by osteoporosis.",
    "Sleeping on a medium-firm mattress is better for chronic low back pain than a firm one. " * 6,
    "hip",
]


@pytest.fixture(scope="module")
def fp32() -> Encoder:
    return load_encoder(DEFAULT_MODEL, "fp32")


def test_the_default_encoder_is_int8_and_runs_here(encoder: Encoder) -> None:
    assert IndexSettings().encoder == "int8"
    assert encoder.kind == "int8" and isinstance(encoder, Int8Encoder)
    assert isinstance(encoder.int8, Int8Transformer) and isinstance(encoder.fp32, Fp32Encoder)
    assert load_encoder(DEFAULT_MODEL, "int8") is encoder  # loaded once per process


def test_int8_vectors_stay_close_to_fp32(encoder: Encoder, fp32: Encoder) -> None:
    assert isinstance(fp32, Fp32Encoder) and fp32.kind == "fp32"
    ours, reference = encoder.encode(TEXTS), fp32.encode(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), fp32.dimension)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert (ours * reference).sum(axis=1).min() >= 0.97
    # A text's vector does not depend on the padding of the batch it came in.
    alone = np.stack([encoder.encode([text])[0] for text in TEXTS])
    assert np.allclose(alone, ours, atol=1e-5)


def test_int8_span_vectors_match_fp32_ones(encoder: Encoder, fp32: Encoder) -> None:
    text = "Sciatica is nerve pain in the leg. Ice helps hip bursitis."
    spans = [[(0, 34), (35, len(text))]]
    _, ours = encoder.encode_with_spans([text], spans)
    _, reference = fp32.encode_with_spans([text], spans)
    assert ours[0].shape == (2, fp32.dimension)
    assert (ours[0] * reference[0]).sum(axis=1).min() >= 0.97


def test_a_model_int8_cannot_run_falls_back_to_fp32(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    model = tmp_path / "cls-pooled"
    shutil.copytree(resolve_model(DEFAULT_MODEL), model)
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(json.dumps({**config, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    with caplog.at_level(logging.WARNING):
        encoder = load_encoder(str(model), "int8")
    assert encoder.kind == "fp32" and isinstance(encoder, Fp32Encoder) and not isinstance(encoder, Int8Encoder)
    assert "does not use mean pooling" in caplog.text
    assert encoder.encode(["hip pain"]).shape == (1, encoder.dimension)


def test_the_export_is_made_once_and_reused(encoder: Encoder) -> None:
    # The English model's export: the one beside no tokenizer (the multilingual model's keeps its own).
    exported = [
        path
        for path in (Path(os.environ["ASKDOCS_CACHE"]) / "onnx").glob("*/model-int8.onnx")
        if not (path.parent / "tokenizer.json").exists()
    ]
    assert len(exported) == 1
    before = exported[0].stat().st_mtime_ns
    again = Int8Encoder(Fp32Encoder(DEFAULT_MODEL))  # a fresh load, not the cached encoder
    assert again.kind == "int8" and again.int8.path == exported[0]
    assert exported[0].stat().st_mtime_ns == before


def test_unknown_encoder_is_refused() -> None:
    with pytest.raises(AskdocsError, match="encoder must be one of int8, fp32"):
        load_encoder(DEFAULT_MODEL, "int4")


def test_fp32_and_int8_indexes_never_share_vectors(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    index = tmp_path / "index"
    first = build_index(corpus, index, IndexSettings())
    second = build_index(corpus, index, replace(IndexSettings(), encoder="fp32"))
    assert second.counts.chunks_embedded == first.counts.chunks_embedded > 0 and second.counts.chunks_reused == 0
    searcher = Searcher.load(index)
    assert searcher.encoder.kind == "fp32" and searcher.manifest.encoder == "fp32"
    assert searcher.search("what is sciatica?", k=1)[0].text.startswith("Sciatica")


def test_index_whose_encoder_cannot_run_here_says_how_to_rebuild(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    # As if built where int8 fell back to fp32, then loaded where int8 runs.
    with edited_manifest(index) as manifest:
        manifest["encoder"] = "fp32"
    with pytest.raises(IndexMismatchError, match=r"built with the fp32 encoder.*python ingest.py .*--encoder int8"):
        Searcher.load(index)
