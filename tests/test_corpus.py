"""Reading each format, and a hostile corpus folder."""

from __future__ import annotations

from pathlib import Path

from askdocs.ingest.corpus import Document, SkippedFile, list_corpus, read_file
from askdocs.ingest.formats.base import decode_text
from askdocs.ingest.formats.html import parse_html
from askdocs.ingest.formats.jsonl import parse_jsonl
from askdocs.ingest.formats.markdown import parse_markdown
from askdocs.ingest.formats.text import parse_text
from askdocs.settings import ReadLimits
from tests.conftest import make_pdf, write_corpus


def read_all(folder: Path, max_bytes: int = 10**7) -> tuple[dict[str, Document], dict[str, str]]:
    files, skipped = list_corpus(folder)
    documents: dict[str, Document] = {}
    reasons = {s.source: s.reason for s in skipped}
    for file in files:
        result = read_file(file, ReadLimits(max_bytes=max_bytes))
        if isinstance(result, SkippedFile):
            reasons[result.source] = result.reason
        else:
            documents[result.source] = result
    return documents, reasons


def test_text_long_lines_are_paragraphs_and_wrapped_blocks_are_joined() -> None:
    long = "A" + " long line about hip pain" * 5 + "."
    text = f"{long}\n{long.replace('hip', 'knee')}\n\nA wrapped paragraph that goes\non over two lines.\n"
    parsed = parse_text("a.txt", text)
    assert [(p.text[:12], p.citations[0].line) for p in parsed.passages] == [
        ("A long line ", 1),
        ("A long line ", 2),
        ("A wrapped pa", 4),
    ]
    assert parsed.passages[2].text == "A wrapped paragraph that goes on over two lines."
    assert parsed.passages[2].line_starts == (0, len("A wrapped paragraph that goes") + 1)


def test_markdown_headings_title_their_passages() -> None:
    text = "# Hips\n\nIntro paragraph about the hip joint.\n\n## Exercises\n\n- Clamshells strengthen the outer hip muscles.\n"
    parsed = parse_markdown("notes.md", text)
    assert [(p.title, p.citations[0].line) for p in parsed.passages] == [("Hips", 3), ("Hips > Exercises", 7)]
    assert parsed.passages[1].text == "Clamshells strengthen the outer hip muscles."


def test_html_keeps_visible_text_only() -> None:
    html = """<html><head><title>T</title><style>p {color: red}</style><script>alert('x')</script></head>
<body><nav><ul><li>Home menu entry link</li></ul></nav>
<h1>Back pain</h1>
<p>Most back pain gets better within six weeks without treatment.</p>
<footer><p>Copyright notice for the whole website here.</p></footer></body></html>"""
    parsed = parse_html("page.html", html)
    assert [p.text for p in parsed.passages] == ["Most back pain gets better within six weeks without treatment."]
    assert parsed.passages[0].title == "Back pain"
    assert parsed.passages[0].citations[0].line == 4


def test_pdf_passages_cite_their_page(tmp_path: Path) -> None:
    corpus = write_corpus(
        tmp_path / "c",
        {
            "guide.pdf": make_pdf(
                [
                    "Hip pain relief starts with rest and ice packs.",
                    "Vertebroplasty repairs compression fractures of the spine.",
                ]
            )
        },
    )
    documents, reasons = read_all(corpus)
    assert not reasons
    passages = documents["guide.pdf"].passages
    assert [(p.citations[0].page, p.citations[0].line) for p in passages] == [(1, None), (2, None)]
    assert passages[1].text.startswith("Vertebroplasty repairs")


def test_jsonl_accepts_id_and_reports_bad_records() -> None:
    text = '{"_id": "a", "title": "T", "text": "Some text here about gout."}\nnot json\n{"id": 7, "text": "Other text about sciatica."}\n{"_id": "e", "text": ""}\n'
    parsed = parse_jsonl("r.jsonl", text)
    assert [p.citations[0].doc_id for p in parsed.passages] == ["a", "7"]
    assert [(d.line, d.reason) for d in parsed.dropped] == [(2, "invalid JSON record"), (4, "empty record")]


def test_latin1_file_is_decoded_not_dropped() -> None:
    data = "Le café est très chaud; la hanche fait mal après une longue marche.".encode("latin-1")
    assert decode_text(data) == "Le café est très chaud; la hanche fait mal après une longue marche."


def test_hostile_corpus_only_legitimate_text_is_indexed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("Secret text that lives outside the corpus folder and must never be read.")
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "good.txt": "Sciatica is pain that travels along the sciatic nerve down the leg.\n",
            "latin1.txt": "Le café est très chaud; la hanche fait mal après une longue marche.\n".encode("latin-1"),
            "binary.txt": b"\x00\x01\x02\xff" * 100,
            "image.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
            "empty.md": "",
            "big.txt": "word " * 3000,
            "name with spaces é.txt": "Heat packs relax tight back muscles after a long day of sitting.\n",
            "-leading-dash.txt": "A firm chair with lumbar support keeps the lower back curved.\n",
            "broken.pdf": b"%PDF-1.4 this is not really a pdf",
        },
    )
    (corpus / "link.txt").symlink_to(outside)
    documents, reasons = read_all(corpus, max_bytes=10_000)
    assert sorted(documents) == ["-leading-dash.txt", "good.txt", "latin1.txt", "name with spaces é.txt"]
    assert documents["latin1.txt"].passages[0].text.startswith("Le café est très chaud")
    assert reasons["link.txt"] == "link pointing outside the corpus"
    assert reasons["binary.txt"] == "binary or undecodable content"
    assert reasons["image.png"].startswith("not a readable image")
    assert reasons["empty.md"] == "empty file"
    assert "limit" in reasons["big.txt"]
    assert reasons["broken.pdf"].startswith("could not be parsed")
    texts = " ".join(p.text for d in documents.values() for p in d.passages)
    assert "Secret" not in texts


def test_pdf_line_end_hyphens_are_joined_into_words(tmp_path: Path) -> None:
    """'identi-' + 'cal' reads 'identical' (found by keyword); a compound the document writes stays."""
    page = (
        "The two copies of the record are identi-\ncal, and the change is perma-\nnent once saved.\n\n"
        "A well-known rule applies. The well-\nknown rule is the one above."
    )
    (tmp_path / "notes.pdf").write_bytes(make_pdf([page]))
    files, _ = list_corpus(tmp_path)
    document = read_file(files[0], ReadLimits())
    assert isinstance(document, Document)
    text = " ".join(p.text for p in document.passages)
    assert "identical, and the change is permanent once saved." in text
    assert "The well- known rule" in text  # the document writes "well-known": not joined
