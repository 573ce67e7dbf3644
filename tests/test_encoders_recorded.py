"""The int8 model and tokenizer a build records, used without PyTorch by searches and later ingests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder, Int8Encoder, RecordedInt8Encoder
from askdocs.index import publication
from askdocs.index.build_folder import TOKENIZER
from askdocs.index.recorded_encoder import recorded_encoder
from askdocs.ingest.chunking import embed_text, sentence_spans
from askdocs.ingest.pipeline import build_index
from askdocs.settings import IndexSettings
from tests.conftest import ROOT, SEED_LIKE, edited_manifest, write_corpus

TEXTS = [
    "What is sciatica?",
    "how do I ice a bursitis hip",
    "Ischias – Schmerzen im Bein? 坐骨神经痛 🙂",
    "back pain " * 200,  # longer than the model's window
    "?",
    "Hips. Hip bursitis is inflammation of the bursa. Icing the joint four times a day eases it.",
]


def recorded(index: Path, for_ingest: bool = False) -> RecordedInt8Encoder | None:
    reader, manifest = publication.open_live(index, verify=False)
    return recorded_encoder(reader, manifest, for_ingest)


def run_python(script: str) -> list[Any]:
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_recorded_model_gives_the_full_models_tokens_and_vectors(seed_like_index: Path, encoder: Encoder) -> None:
    ours = recorded(seed_like_index, for_ingest=True)
    assert isinstance(ours, RecordedInt8Encoder) and (publication.live_build(seed_like_index) / TOKENIZER).is_file()
    assert ours.kind == encoder.kind == "int8"
    assert ours.cache_name == encoder.cache_name and ours.max_tokens == encoder.max_tokens
    assert ours.count_tokens(TEXTS) == encoder.count_tokens(TEXTS)
    for text in TEXTS:
        assert ours.word_piece_offsets(text) == [tuple(o) for o in encoder.word_piece_offsets(text)]
        question = ours.encode_question(text)
        assert question.dtype == np.float32 and question.shape == (encoder.dimension,)
        assert np.allclose(question, encoder.encode_question(text), atol=1e-5), text
    spans = [sentence_spans(text) for text in TEXTS]
    vectors, pooled = ours.encode_with_spans(TEXTS, spans)
    full_vectors, full_pooled = encoder.encode_with_spans(TEXTS, spans)
    assert np.allclose(vectors, full_vectors, atol=1e-5)
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(pooled, full_pooled))


def test_searcher_answers_without_importing_pytorch(seed_like_index: Path) -> None:
    text, confident, kind, torch_loaded, st_loaded = run_python(
        "import sys, json; from askdocs import Searcher; "
        f"searcher = Searcher.load({str(seed_like_index)!r}); "
        "hits = searcher.search('What is sciatica?', k=1); "
        "print(json.dumps([hits[0].text, hits[0].confident, type(searcher.encoder).__name__, "
        "'torch' in sys.modules, 'sentence_transformers' in sys.modules]))"
    )
    assert text.startswith("Sciatica") and confident
    assert kind == RecordedInt8Encoder.__name__
    assert not torch_loaded and not st_loaded


def test_an_edit_is_ingested_without_importing_pytorch(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(tmp_path / "corpus", SEED_LIKE)
    index = tmp_path / "index"
    build_index(corpus, index, IndexSettings(), encoder=encoder)
    with (corpus / "hips.txt").open("a", encoding="utf-8") as file:
        file.write("Piriformis syndrome is eased by a clamshell stretch held for thirty seconds.\n")
    embedded, torch_loaded = run_python(
        "import sys, json; from askdocs.ingest.pipeline import build_index; "
        f"summary = build_index({str(corpus)!r}, {str(index)!r}); "
        "print(json.dumps([summary.counts.chunks_embedded, 'torch' in sys.modules]))"
    )
    assert embedded == 1 and not torch_loaded
    # The new build records the model too, so its questions are still encoded without PyTorch.
    assert isinstance(recorded(index), RecordedInt8Encoder)
    searcher = Searcher.load(index)
    assert isinstance(searcher.encoder, RecordedInt8Encoder)
    hit = searcher.search("What helps piriformis syndrome?", k=1)[0]
    assert hit.text.startswith("Piriformis syndrome") and hit.confident
    # The new chunk's vector is the one the full model gives.
    read = embed_text(searcher.index.passages[hit.passage_id].title, hit.text)
    assert np.allclose(searcher.index.chunk_vectors[hit.chunk_id], encoder.encode([read])[0], atol=1e-5)


@pytest.mark.parametrize("change", ["export gone", "export changed", "older index", "tokenizer altered"])
def test_the_full_model_is_loaded_when_the_record_cannot_be_used(make_index: Callable[..., Path], change: str) -> None:
    index = make_index(SEED_LIKE)
    build = publication.live_build(index)
    with edited_manifest(index) as manifest:
        if change == "export gone":
            manifest["question_encoder"]["onnx"] = str(index / "no-such-model.onnx")
        elif change == "export changed":
            manifest["question_encoder"]["onnx_mtime_ns"] += 1
        elif change == "older index":
            del manifest["question_encoder"]
        else:
            tokenizer = json.loads((build / TOKENIZER).read_text())
            tokenizer["model"]["vocab"]["sciatica"] = 1
            (build / TOKENIZER).write_text(json.dumps(tokenizer))
    assert recorded(index) is None and recorded(index, for_ingest=True) is None
    if change != "tokenizer altered":  # an altered index file fails Searcher.load's checksums
        searcher = Searcher.load(index)
        assert type(searcher.encoder) is Int8Encoder and searcher.encoder.kind == "int8"
        assert searcher.search("What is sciatica?", k=1)[0].text.startswith("Sciatica")


def test_an_ingest_uses_only_a_record_of_the_current_export_recipe(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE)
    with edited_manifest(index) as manifest:
        manifest["question_encoder"]["recipe"] = "an earlier recipe"
    assert recorded(index, for_ingest=True) is None
    assert recorded(index) is not None  # the index's own questions still use the model that made it


def test_fp32_index_records_no_question_encoder(make_index: Callable[..., Path]) -> None:
    index = make_index(SEED_LIKE, settings=replace(IndexSettings(), encoder="fp32"))
    reader, manifest = publication.open_live(index)
    assert manifest.encoder == "fp32" and manifest.question_encoder is None
    assert not reader.path(TOKENIZER).exists() and recorded(index) is None


def test_an_int8_index_built_before_the_record_is_rebuilt_once(
    make_index: Callable[..., Path], encoder: Encoder
) -> None:
    index = make_index(SEED_LIKE)
    with edited_manifest(index) as manifest:
        del manifest["question_encoder"]
    assert not publication.open_live(index)[1].records_encoder
    corpus = index.parent / "index-corpus"
    summary = build_index(corpus, index, IndexSettings(), encoder=encoder)
    # Every chunk's vector came from the cache.
    assert not summary.up_to_date and summary.counts.chunks_embedded == 0 and summary.counts.chunks_reused > 0
    assert recorded(index) is not None
    assert build_index(corpus, index, IndexSettings(), encoder=encoder).up_to_date
