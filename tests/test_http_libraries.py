"""The HTTP API over a folder of libraries (`serve --libraries DIR`), served by real uvicorn servers on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.index import publication
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.serve.cli import main
from askdocs.serve.http.app import create_libraries_app
from askdocs.settings import DEFAULT_MODEL, IndexSettings
from tests import test_http
from tests.conftest import SEED_LIKE, write_corpus
from tests.test_http import TOKEN, Server, as_json, get, served, thread_server

KITES = {"kites.md": "# Flying\n\nBox kites fly best in steady winds of fifteen knots.\n"}
HEALTH_TOML = 'title = "Back and hip pain"\nnotice = "Not medical advice."\n'
# The fixture that records uvicorn.run's calls instead of serving.
uvicorn_runs = test_http.uvicorn_runs
BOTH = "box kites and back pain"


def labelled(hits: list[Any], library: str) -> list[dict[str, Any]]:
    return [{**hit, "library": library} for hit in as_json(hits)]


def build(root: Path, name: str, files: dict[str, str | bytes], encoder: Encoder) -> Path:
    """A library `name` in the folder of libraries `root`, built into its default index folder."""
    write_corpus(root / name, files)
    index = root / INDEX_FOLDER / name
    build_index(root / name, index, IndexSettings(), encoder=encoder)
    return index


@pytest.fixture(scope="module")
def libraries(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    root = tmp_path_factory.mktemp("api-libraries") / "libraries"
    build(root, "health", {**SEED_LIKE, "askdocs.toml": HEALTH_TOML}, encoder)
    build(root, "kites", KITES, encoder)
    return root


@pytest.fixture(scope="module")
def server(libraries: Path) -> Iterator[Server]:
    with served(None, libraries.parent / "server.log", "--libraries", str(libraries)) as running:
        yield running


def searcher(libraries: Path, name: str) -> Searcher:
    return Searcher.load(libraries / INDEX_FOLDER / name)


def test_lib_name_answers_only_from_that_library(server: Server, libraries: Path) -> None:
    for name, question in (("kites", "what wind do box kites need"), ("health", BOTH)):
        body = get(server, "/search", q=question, lib=name, k=10).json()
        assert body["library"] == name and body["not_searched"] == []
        assert body["hits"] == labelled(searcher(libraries, name).search(question, k=10), name)
    sources = {
        c["source"]
        for hit in get(server, "/search", q=BOTH, lib="health", k=10).json()["hits"]
        for c in hit["citations"]
    }
    assert "kites.md" not in sources and {"back.txt", "hips.txt"} <= sources


def test_source_filters_within_a_library_but_not_across_all(server: Server, libraries: Path) -> None:
    question = "bone cement for vertebral fractures"
    back = get(server, "/search", q=question, lib="health", k=10, source="back.txt").json()["hits"]
    assert back == labelled(searcher(libraries, "health").search(question, k=10, sources=["back.txt"]), "health")
    across = get(server, "/search", q=question, lib="all", source="back.txt")
    assert across.status_code == 422 and "'source'" in across.json()["error"]


def test_all_merges_every_library_as_the_page_does_and_labels_each_hit(server: Server, libraries: Path) -> None:
    body = get(server, "/search", q=BOTH, lib="all", k=4).json()
    found = [(hit, name) for name in ("health", "kites") for hit in searcher(libraries, name).search(BOTH, k=4)]
    found.sort(key=lambda item: (not item[0].confident, -item[0].score))
    assert body["hits"] == [labelled([hit], name)[0] for hit, name in found[:4]]
    assert {hit["library"] for hit in body["hits"]} == {"health", "kites"}
    assert body["library"] == "all" and body["not_searched"] == []


def test_a_missing_lib_is_422_and_an_unknown_one_404_each_listing_the_names(server: Server) -> None:
    missing = get(server, "/search", q=BOTH)
    assert missing.status_code == 422
    assert "'lib'" in missing.json()["error"] and "health, kites" in missing.json()["error"]
    unknown = get(server, "/search", q=BOTH, lib="nope")
    assert unknown.status_code == 404
    assert list(unknown.json()) == ["error"]
    assert "'nope'" in unknown.json()["error"] and "health, kites" in unknown.json()["error"]
    assert "no endpoint" in get(server, "/nowhere").json()["error"]  # a path's 404 is still told apart


def test_libraries_lists_each_with_its_title_and_counts(server: Server, libraries: Path) -> None:
    listed = get(server, "/libraries").json()["libraries"]
    manifests = {name: searcher(libraries, name).manifest for name in ("health", "kites")}
    counts = {name: manifest.counts for name, manifest in manifests.items()}
    assert listed == [
        {
            "name": name,
            "title": title,
            "files": counts[name].files,
            "passages": counts[name].passages,
            "usable": True,
            "error": None,
            "languages": {"en": 1.0},
            "model": DEFAULT_MODEL,
        }
        for name, title in (("health", "Back and hip pain"), ("kites", "kites"))
    ]
    health = get(server, "/health").json()
    assert health["status"] == "ok" and set(health["libraries"]) == {"health", "kites"}
    assert health["libraries"]["kites"]["build"] == publication.current_token(libraries / INDEX_FOLDER / "kites")


def test_openapi_documents_lib_and_libraries(server: Server) -> None:
    schema = get(server, "/openapi.json").json()
    assert {"/search", "/libraries", "/health"} <= set(schema["paths"])
    parameters = {p["name"]: p for p in schema["paths"]["/search"]["get"]["parameters"]}
    assert set(parameters) == {"q", "lib", "k", "source", "mode"}
    assert "'all'" in parameters["lib"]["description"]
    assert "404" in schema["paths"]["/search"]["get"]["responses"]
    assert "LibraryInfo" in schema["components"]["schemas"]


def test_a_library_without_an_index_is_503_naming_the_command_until_built(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    build(root, "kites", KITES, encoder)
    write_corpus(root / "fresh", {"fresh.md": "# Tea\n\nGreen tea steeps for two minutes at eighty degrees.\n"})
    fix = "python ingest.py --libraries libraries"  # the folder by name: no absolute path in a body
    with served(None, tmp_path / "server.log", "--libraries", str(root)) as server:
        response = get(server, "/search", q="how long does green tea steep", lib="fresh")
        assert response.status_code == 503
        assert "'fresh'" in response.json()["error"] and fix in response.json()["error"]
        assert "--index" not in response.json()["error"]  # not the one-index hint, which reads the wrong folder
        merged = get(server, "/search", q="how long does green tea steep", lib="all").json()
        assert {hit["library"] for hit in merged["hits"]} == {"kites"}
        assert [problem["library"] for problem in merged["not_searched"]] == ["fresh"]
        listed = {entry["name"]: entry for entry in get(server, "/libraries").json()["libraries"]}
        assert listed["fresh"]["usable"] is False and fix in listed["fresh"]["error"]
        assert listed["fresh"]["passages"] is None
        health = get(server, "/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"
        assert health.json()["libraries"]["fresh"]["status"] == "unusable"

        build_index(root / "fresh", root / INDEX_FOLDER / "fresh", IndexSettings(), encoder=encoder)
        hits = get(server, "/search", q="how long does green tea steep", lib="fresh").json()["hits"]
        assert hits[0]["text"].startswith("Green tea steeps") and hits[0]["library"] == "fresh"
        assert get(server, "/health").json()["status"] == "ok"

        # A library added after the server started: known at once, served once built.
        write_corpus(root / "later", {"later.md": "# Bread\n\nSourdough rises overnight in a cool kitchen.\n"})
        assert "later" in {entry["name"] for entry in get(server, "/libraries").json()["libraries"]}
        assert get(server, "/search", q="sourdough", lib="later").status_code == 503
        build_index(root / "later", root / INDEX_FOLDER / "later", IndexSettings(), encoder=encoder)
        hits = get(server, "/search", q="how long does sourdough rise", lib="later").json()["hits"]
        assert hits[0]["text"].startswith("Sourdough rises") and hits[0]["library"] == "later"


def test_one_library_needs_no_lib_and_none_usable_is_503(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    build(root, "kites", KITES, encoder)
    with thread_server(create_libraries_app(root, token=TOKEN)) as url:
        assert get(url, "/libraries").status_code == 401  # the token guards the new endpoint too
        assert get(url, "/health").json()["status"] == "ok"
        response = httpx.get(
            f"{url}/search", params={"q": "what wind do box kites need"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert response.json()["library"] == "kites" and response.json()["hits"][0]["library"] == "kites"
    write_corpus(tmp_path / "empty" / "unbuilt", KITES)
    with thread_server(create_libraries_app(tmp_path / "empty")) as url:
        for response in (get(url, "/health"), get(url, "/search", q="kites", lib="all")):
            assert response.status_code == 503
            assert "python ingest.py --libraries empty" in response.json()["error"]


def test_serve_hands_workers_the_libraries_and_refuses_a_missing_folder(
    uvicorn_runs: list[dict[str, Any]], libraries: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.environ["ASKDOCS_INDEX"] = "stale"  # from the caller's environment; uvicorn_runs restores it
    assert main(["serve", "--libraries", str(libraries)]) == 0
    assert os.environ["ASKDOCS_LIBRARIES"] == str(libraries) and "ASKDOCS_INDEX" not in os.environ
    assert main(["serve", "--libraries", str(libraries), "--index", str(tmp_path)]) == 0
    assert os.environ["ASKDOCS_INDEX"] == str(tmp_path)
    assert main(["serve", "--index", str(tmp_path)]) == 0  # one index again: the libraries are forgotten
    assert "ASKDOCS_LIBRARIES" not in os.environ and os.environ["ASKDOCS_INDEX"] == str(tmp_path)
    assert len(uvicorn_runs) == 3

    assert main(["serve", "--libraries", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert len(uvicorn_runs) == 3
