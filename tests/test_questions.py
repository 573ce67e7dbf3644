from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from askdocs import Searcher, store
from askdocs.build import build_index
from askdocs.embedding import Embedder
from askdocs.questions import TOKENIZER_FILE, OnnxQuestionEncoder
from askdocs.settings import Settings
from tests.conftest import ROOT, SEED_LIKE

QUESTIONS = [
    "What is sciatica?",
    "how do I ice a bursitis hip",
    "Ischias – Schmerzen im Bein? 坐骨神经痛 🙂",
    "back pain " * 200,  # longer than the model's window
    "?",
]


def recorded(index: Path) -> OnnxQuestionEncoder | None:
    build = store.live_build(index)
    return OnnxQuestionEncoder.for_build(build, store.read_manifest(build, index))


def test_question_vectors_match_the_full_model(seed_like_index: Path, embedder: Embedder) -> None:
    encoder = recorded(seed_like_index)
    assert encoder is not None and (store.live_build(seed_like_index) / TOKENIZER_FILE).is_file()
    for question in QUESTIONS:
        assert encoder.word_piece_offsets(question) == [tuple(o) for o in embedder.word_piece_offsets(question)]
        ours, full = encoder.encode_question(question), embedder.encode_question(question)
        assert ours.dtype == np.float32 and ours.shape == (embedder.dimension,)
        assert np.allclose(ours, full, atol=1e-5), question


def test_searcher_answers_without_importing_pytorch(seed_like_index: Path) -> None:
    script = (
        "import sys, json; from askdocs import Searcher; "
        f"hits = Searcher.load({str(seed_like_index)!r}).search('What is sciatica?', k=1); "
        "print(json.dumps([hits[0].text, hits[0].confident, 'torch' in sys.modules, 'sentence_transformers' in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    text, confident, torch_loaded, st_loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert text.startswith("Sciatica") and confident
    assert not torch_loaded and not st_loaded


@pytest.mark.parametrize("change", ["export gone", "export changed", "older index"])
def test_searcher_loads_the_full_model_when_the_recorded_one_cannot_be_used(make_index, change: str) -> None:
    index = make_index(SEED_LIKE)
    manifest_path = store.live_build(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    if change == "export gone":
        manifest["question_encoder"]["onnx"] = str(index / "no-such-model.onnx")
    elif change == "export changed":
        manifest["question_encoder"]["onnx_mtime_ns"] += 1
    else:
        del manifest["question_encoder"]
    manifest_path.write_text(json.dumps(manifest))
    assert recorded(index) is None
    searcher = Searcher.load(index)
    assert isinstance(searcher.embedder, Embedder) and searcher.embedder.encoder == "int8"
    assert searcher.search("What is sciatica?", k=1)[0].text.startswith("Sciatica")


def test_fp32_index_records_no_question_encoder(make_index) -> None:
    index = make_index(SEED_LIKE, settings=replace(Settings(), encoder="fp32"))
    build = store.live_build(index)
    assert store.read_manifest(build, index)["question_encoder"] is None
    assert not (build / TOKENIZER_FILE).exists() and recorded(index) is None


def test_an_int8_index_built_before_the_record_is_rebuilt_once(make_index, embedder: Embedder) -> None:
    index = make_index(SEED_LIKE)
    manifest_path = store.live_build(index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["question_encoder"]
    manifest_path.write_text(json.dumps(manifest))
    corpus = index.parent / "index-corpus"
    summary = build_index(corpus, index, Settings(), embedder=embedder)
    assert not summary.up_to_date and summary.embedded == 0  # every chunk's vector came from the cache
    assert recorded(index) is not None
    assert build_index(corpus, index, Settings(), embedder=embedder).up_to_date
