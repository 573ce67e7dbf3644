"""What every parser shares: the zip guard against bombs, real bytes counted (issue #25)."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx

from askdocs.encoders import Encoder
from askdocs.ingest.pipeline import build_index
from askdocs.settings import IndexSettings
from tests.conftest import write_corpus

ROOT = Path(__file__).resolve().parent.parent
INFLATED = 630 * 2**20
DECLARED = 2000


def lying_docx(inflated: int = INFLATED) -> bytes:
    """A real .docx whose word/document.xml declares 2,000 bytes but inflates to `inflated`."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    original = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in original.infolist():
            if item.filename != "word/document.xml":
                archive.writestr(item, original.read(item.filename))
        # Streamed in, so making the bomb holds one megabyte at a time.
        info = zipfile.ZipInfo("word/document.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=False) as entry:
            block = b" " * 2**20
            for _ in range(inflated // len(block)):
                entry.write(block)
    data = bytearray(out.getvalue())
    # Lie about the entry's size in its local header (offset 22) and central directory entry (offset 24).
    name = b"word/document.xml"
    local = data.index(b"PK\x03\x04")
    while data[local + 30 : local + 30 + len(name)] != name:
        local = data.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", data, local + 22, DECLARED)
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", data, central + 24, DECLARED)
    return bytes(data)


def test_the_lying_zip_really_is_one() -> None:
    """The declared size is what zipfile reports; the entry really inflates to 630 MB."""
    data = lying_docx()
    entry = zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml")
    assert entry.file_size == DECLARED and entry.compress_size < 2 * 2**20
    start = entry.header_offset + 30 + len(entry.filename)
    inflater, size, pending = zlib.decompressobj(-15), 0, data[start : start + entry.compress_size]
    while pending:
        size += len(inflater.decompress(pending, 2**24))
        pending = inflater.unconsumed_tail
    assert size == INFLATED


def test_a_zip_entry_that_lies_about_its_size_is_skipped_within_bounded_memory(tmp_path: Path) -> None:
    (tmp_path / "bomb.docx").write_bytes(lying_docx())
    code = (
        "import json, resource, sys\n"
        "from askdocs.ingest.corpus import list_corpus, read_file\n"
        "from askdocs.settings import ReadLimits\n"
        "from pathlib import Path\n"
        "files, _ = list_corpus(Path(sys.argv[1]))\n"
        "import docx, zipfile\n"
        "start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "result = read_file(files[0], ReadLimits())\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(json.dumps({'grew_kb': peak - start, 'reason': getattr(result, 'reason', None)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    assert "zip bomb" in measured["reason"]
    assert measured["grew_kb"] < 200 * 1024, measured


def test_a_refused_file_is_not_parsed_again_until_it_changes(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"notes.txt": "Gout is arthritis caused by uric acid crystals.\n"})
    (corpus / "bomb.docx").write_bytes(lying_docx(64 * 2**20))
    summary = build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    assert [(s.source, "zip bomb" in s.reason) for s in summary.skipped] == [("bomb.docx", True)]
    (corpus / "more.txt").write_text("Ice eases a sprain in the first days.\n", encoding="utf-8")
    (corpus / "bomb.docx").touch()  # touched, not changed: its content decides
    stages: list[str] = []
    summary = build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder, on_stage=stages.append)
    assert "reading 1 new or changed file(s)" in stages  # more.txt only
    assert [s.source for s in summary.skipped] == ["bomb.docx"]
    (corpus / "bomb.docx").write_bytes(b"not a zip any more")
    stages.clear()
    summary = build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder, on_stage=stages.append)
    assert "reading 1 new or changed file(s)" in stages  # the changed bomb is read again
    assert "not a valid zip" in summary.skipped[0].reason
