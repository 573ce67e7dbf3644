"""Issue #31: the query language inside the question, over a real index of a small library."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.errors import QuerySyntaxError
from askdocs.ingest.pipeline import build_index
from askdocs.libraries import INDEX_FOLDER
from askdocs.search.all_libraries import search_all
from askdocs.settings import IndexSettings
from tests.conftest import make_pdf, write_corpus

ERRORS = (
    "Error 0x80070005 means access is denied: run the updater as an administrator.\n\n"
    "Error 0x80070002 means a file is missing: repair the installation.\n"
)
CONTRACT = "The supplier contract renews every March unless cancelled in writing.\n"
OLD_CONTRACT = "The old supplier contract ended in 2019 and was not renewed.\n"
CAFE = "The Café du Port serves coffee on the quay from seven.\n"


def docx_dated(text: str, year: int) -> bytes:
    """A Word file whose own metadata says it was modified in `year`."""
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    document.core_properties.modified = datetime(year, 5, 17, tzinfo=UTC)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def stamp(path: Path, day: str) -> None:
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()
    os.utime(path, (moment, moment))


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Searcher:
    root = tmp_path_factory.mktemp("operators")
    long_text = " ".join(f"Filler sentence number {n} about harbour logistics." for n in range(60))
    corpus = write_corpus(
        root / "corpus",
        {
            "manuals/errors.txt": ERRORS,
            "manuals/cafe.md": CAFE,
            "contracts/2024/supplier.txt": CONTRACT,
            "contracts/old/supplier-2019.docx": docx_dated(OLD_CONTRACT, 2019),
            "reports/harbour.pdf": make_pdf(["Harbour report", "The quay was rebuilt in granite."]),
            "reports/long.txt": long_text + " The tide gauge sits by the north pier. " + long_text + "\n",
        },
    )
    stamp(corpus / "manuals/errors.txt", "2023-01-10")
    stamp(corpus / "manuals/cafe.md", "2024-04-02")
    stamp(corpus / "contracts/2024/supplier.txt", "2024-03-15")
    build_index(corpus, root / "index", IndexSettings(), encoder=encoder)
    return Searcher.load(root / "index")


def sources(hits: list) -> list[str]:
    return [hit.citations[0].source for hit in hits]


def test_a_phrase_keeps_only_passages_holding_it(searcher: Searcher) -> None:
    hits = searcher.search('what does error "0x80070005" mean', k=5)
    assert hits and all("0x80070005" in hit.text for hit in hits)
    assert not any("0x80070002" in hit.text and "0x80070005" not in hit.text for hit in hits)
    # Case, accents and spacing do not matter.
    assert sources(searcher.search('"cafe  DU port"', k=5)) == ["manuals/cafe.md"]
    assert searcher.search('"granite quay"', k=5) == []


def test_a_phrase_is_found_across_the_models_chunk_boundaries(searcher: Searcher) -> None:
    index = searcher.index
    pid = next(p for p in range(len(index.passages)) if "tide gauge" in index.passages[p].text)
    spans = [chunk.span for chunk in index.chunks if chunk.passage_id == pid]
    assert len(spans) > 1
    text = index.passages[pid].text
    end = spans[0][1]
    # The last word of the first chunk and the first of the next: in no single chunk together.
    phrase = f'"{text[:end].split()[-1]} {text[end:].split()[0]}"'
    hits = searcher.search(f"harbour logistics {phrase}", k=3)
    assert [hit.passage_id for hit in hits] == [pid]


def test_exclusions_leave_passages_out(searcher: Searcher) -> None:
    assert all("denied" not in hit.text for hit in searcher.search("what does the error mean -denied", k=5))
    assert all("access is denied" not in hit.text for hit in searcher.search('error meaning -"access is denied"', k=5))
    assert any("denied" in hit.text for hit in searcher.search("what does the error mean", k=5))


def test_type_folder_and_file_filters_and_their_combination(searcher: Searcher) -> None:
    assert set(sources(searcher.search("supplier contract", k=5))) >= {"contracts/2024/supplier.txt"}
    assert set(sources(searcher.search("contract type:docx", k=5))) == {"contracts/old/supplier-2019.docx"}
    assert set(sources(searcher.search("contract folder:contracts", k=5))) == {
        "contracts/2024/supplier.txt",
        "contracts/old/supplier-2019.docx",
    }
    assert set(sources(searcher.search("contract folder:2024", k=5))) == {"contracts/2024/supplier.txt"}
    assert sources(searcher.search("quay file:harbour.pdf", k=5)) == ["reports/harbour.pdf"] * len(
        searcher.search("quay file:harbour.pdf", k=5)
    )
    assert searcher.search("contract folder:contracts type:pdf", k=5) == []


def test_dates_are_the_documents_own_else_the_files_time(searcher: Searcher) -> None:
    hits = searcher.search("supplier contract", k=5)
    dates = {hit.citations[0].source: hit.citations[0].date for hit in hits}
    assert dates["contracts/2024/supplier.txt"] == "2024-03-15"
    assert dates["contracts/old/supplier-2019.docx"] == "2019-05-17"
    assert set(sources(searcher.search("contract before:2020-01-01", k=5))) == {"contracts/old/supplier-2019.docx"}
    assert set(sources(searcher.search("contract after:2024-03-15 before:2024-03-16", k=5))) == {
        "contracts/2024/supplier.txt"
    }


def test_a_question_of_filters_only_lists_passages_in_a_stable_order(searcher: Searcher) -> None:
    listed = searcher.search("folder:manuals", k=10)
    assert [(hit.citations[0].source, hit.score) for hit in listed] == [
        ("manuals/cafe.md", 0.0),
        ("manuals/errors.txt", 0.0),
        ("manuals/errors.txt", 0.0),
    ]
    assert searcher.search("folder:manuals", k=10) == listed
    assert sources(searcher.search("folder:manuals -denied", k=10)) == ["manuals/cafe.md", "manuals/errors.txt"]


def test_malformed_operators_raise_a_clear_error(searcher: Searcher) -> None:
    for typed in ("contract after:yesterday", 'contract "unclosed'):
        with pytest.raises(QuerySyntaxError, match="Query syntax"):
            searcher.search(typed, k=3)


def test_filters_apply_in_every_library_of_all(tmp_path: Path, encoder: Encoder) -> None:
    root = tmp_path / "libraries"
    for name, files in (
        ("a", {"notes/kites.md": "Box kites like steady wind.\n", "kites.pdf": make_pdf(["Kites need wind to fly."])}),
        ("b", {"wind.txt": "Wind turbines need steady wind.\n", "docs/wind.pdf": make_pdf(["Wind farms in the sea."])}),
    ):
        corpus = write_corpus(root / name, files)
        build_index(corpus, root / INDEX_FOLDER / name, IndexSettings(), encoder=encoder)
    searchers = {name: Searcher.load(root / INDEX_FOLDER / name) for name in ("a", "b")}
    found = search_all(searchers, "steady wind type:pdf", 10)
    assert {(name, hit.citations[0].source) for name, _, hit in found} == {("a", "kites.pdf"), ("b", "docs/wind.pdf")}


def test_a_build_without_dates_says_which_command_adds_them(make_index: Callable[..., Path]) -> None:
    import json

    from askdocs.errors import IndexMismatchError
    from askdocs.index import publication

    index = make_index({"notes.txt": "The ferry leaves at noon.\n"})
    build = publication.live_build(index)
    rows = [json.loads(line) for line in (build / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    for row in rows:  # as a build made before dates were recorded
        row["citations"] = [{k: v for k, v in c.items() if k != "date"} for c in row["citations"]]
    (build / "passages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    searcher = Searcher.load(index, verify=False)
    assert searcher.search("ferry type:txt", k=1)
    with pytest.raises(IndexMismatchError, match=r"no document dates.*python ingest\.py --index"):
        searcher.search("ferry after:2020-01-01", k=1)
