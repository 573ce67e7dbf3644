"""Searching one index over HTTP (`serve --index DIR`): GET /search and GET /health."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from askdocs.serve.http.common import (
    ERROR_RESPONSES,
    Count,
    LiveSearcher,
    Mode,
    Question,
    Sources,
    check_question,
    timed_search,
)
from askdocs.serve.presentation import hit_to_json


def search_router(live: LiveSearcher) -> APIRouter:
    """GET /search and GET /health, answered from the live build of one index."""
    router = APIRouter()

    # Plain `def` endpoints: FastAPI runs them in its thread pool, so the CPU-bound search
    # (numpy, onnxruntime, FAISS) never blocks the event loop.
    @router.get("/search", responses=ERROR_RESPONSES)
    def search(q: Question, k: Count = 5, source: Sources = None, mode: Mode = "hybrid") -> dict[str, Any]:
        """The best passages for a question, best first, each as `python -m askdocs ask --json` prints it;
        `query`: the question's operators as parsed (`"phrase"`, `-word`, `type:`, `folder:`, `file:`, `after:`, `before:`)."""
        parsed = check_question(q)
        hits, took_ms = timed_search(live.get(), q, k, source, mode)
        return {
            "question": q,
            "query": parsed.to_json(),
            "hits": [hit_to_json(hit) for hit in hits],
            "took_ms": round(took_ms, 3),
        }

    @router.get("/health", responses={503: ERROR_RESPONSES[503]})
    def health() -> dict[str, Any]:
        """The index folder's name, its live build and counts; 503 when there is no usable index."""
        searcher = live.get()
        counts = searcher.manifest.counts
        return {
            "status": "ok",
            "index": live.index_dir.name,
            "build": searcher.build.name,
            "chunks": counts.chunks,
            "passages": counts.passages,
        }

    return router
