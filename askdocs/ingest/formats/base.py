"""What every format parser shares: the parse context (limits, OCR switch), the result record and
the collector that turns raw lines into passages under the drop rules."""

from __future__ import annotations

import io
import re
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from askdocs.cleaning import drop_reason, is_short_fragment, normalize
from askdocs.records import Citation, Passage
from askdocs.settings import ReadLimits

T = TypeVar("T")


class SkipFileError(Exception):
    """Raised by a parser for a file it will not read (encrypted, too large inside, too slow); the
    message is the reason shown in the ingest summary and report.json."""


@dataclass(frozen=True)
class DroppedLine:
    """A line (or paragraph) left out of the index, and why."""

    source: str
    line: int | None
    reason: str
    text: str


@dataclass(frozen=True)
class ParsedFile:
    """What one file yielded."""

    passages: list[Passage]
    dropped: list[DroppedLine]


# Bytes inflated at a time when a zip entry's real size is checked: bounds what a zip bomb can take.
INFLATE_CHUNK = 1 << 20
# Added to a file's time limit for each page read by OCR (a page takes 3-15 s here).
OCR_SECONDS_PER_PAGE = 60.0


@dataclass
class ParseContext:
    """One file being parsed: its name in the corpus, the limits, and when its time runs out."""

    source: str
    limits: ReadLimits = field(default_factory=ReadLimits)
    started: float = field(default_factory=time.monotonic)

    def allow_more_time(self, seconds: float) -> None:
        """Extend this file's time limit: OCR takes seconds a page by nature, so each page read by OCR
        adds `OCR_SECONDS_PER_PAGE` and a long scanned book is read, while a stall elsewhere is still cut off."""
        self.started += seconds

    def check_time(self) -> None:
        """Raise `SkipFileError` once the file has taken longer than its limit."""
        if time.monotonic() - self.started > self.limits.max_seconds:
            raise SkipFileError(f"took longer than the {self.limits.max_seconds:g}-second limit (--max-file-seconds)")


class Collector:
    """Builds passages from raw lines, applying normalisation and the drop rules."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.passages: list[Passage] = []
        self.dropped: list[DroppedLine] = []
        # Positions in `passages` of short fragments (`is_short_fragment`), with their first line:
        # dropped at `result` only if the same text repeats in the file (a marker, not a note).
        self._short: list[tuple[int, int | None]] = []

    def add(
        self,
        lines: Iterable[str],
        first_line: int | None,
        title: str | None = None,
        *,
        at: Citation | None = None,
        keep: bool = False,
    ) -> None:
        """Normalise a paragraph's lines and keep it, or record why it was dropped.

        `at` is the citation for formats that cite a place other than a line (a page, a slide, a sheet
        row, a heading path); with `first_line` it gains the line. `keep` skips the drop rules (code,
        table rows, headings' text).
        """
        parts: list[str] = []
        starts: list[int] = []
        offset = 0
        for raw in lines:
            text = normalize(raw)
            # A blank line maps to where the next text starts, so offsets still find their line.
            starts.append(offset)
            if text:
                parts.append(text)
                offset += len(text) + 1
        joined = " ".join(parts)
        if not joined:
            return
        reason = None if keep else drop_reason(joined)
        if reason:
            self.dropped.append(DroppedLine(self.source, first_line, reason, joined))
            return
        if not keep and is_short_fragment(joined):
            self._short.append((len(self.passages), first_line))
        cited = replace(at, source=self.source) if at is not None else Citation(source=self.source)
        if first_line is None:
            self.passages.append(Passage(joined, (cited,), title))
            return
        # Leading blank lines (a fence's opening line) do not hold the text.
        skip = 0
        while skip + 1 < len(starts) and starts[skip + 1] == 0:
            skip += 1
        self.passages.append(Passage(joined, (replace(cited, line=first_line + skip),), title, tuple(starts[skip:])))

    def drop(self, line: int | None, reason: str, text: str) -> None:
        """Record text left out on purpose (speaker notes off, an empty record)."""
        self.dropped.append(DroppedLine(self.source, line, reason, text[:300]))

    def result(self) -> ParsedFile:
        """The passages and dropped lines collected; short fragments repeated in the file are markers."""
        seen = Counter(self.passages[at].text.casefold() for at, _ in self._short)
        markers = {at: line for at, line in self._short if seen[self.passages[at].text.casefold()] > 1}
        for at, line in markers.items():
            self.dropped.append(DroppedLine(self.source, line, "repeated marker", self.passages[at].text))
        kept = [passage for at, passage in enumerate(self.passages) if at not in markers]
        return ParsedFile(kept, self.dropped)


def blocks(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Runs of non-blank lines with the 1-based number of their first line."""
    start, block = 0, []
    for number, line in enumerate(lines, 1):
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def heading_path(headings: list[tuple[int, str]]) -> str | None:
    """`Install > Linux` from the open headings (level, text), outermost first."""
    return " > ".join(text for _, text in headings if text) or None


def open_heading(headings: list[tuple[int, str]], level: int, text: str) -> list[tuple[int, str]]:
    """The open headings after a heading of `level`: deeper or equal ones close."""
    return [(lvl, h) for lvl, h in headings if lvl < level] + [(level, text)]


def decode_text(data: bytes) -> str:
    """The text of a file in whatever encoding it is in; `SkipFileError` for binary data."""
    if b"\x00" in data[:8192]:
        raise SkipFileError("binary or undecodable content")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise SkipFileError("binary or undecodable content")
    # Short samples fit many single-byte code pages equally well; Windows-1252 (a superset of
    # Latin-1) is by far the likeliest for Western text, so it wins a tie.
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and western.chaos <= best.chaos + 0.01:
        return str(western)
    return str(best)


def open_zip(context: ParseContext, data: bytes) -> zipfile.ZipFile:
    """A zip-based document opened after checking it cannot expand past the limits (a zip bomb)."""
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # Password-protected OOXML files are OLE containers, as are the old binary .doc/.xls/.ppt.
        raise SkipFileError("encrypted (password-protected) or an old binary Office file, not a zip-based document")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise SkipFileError(f"not a valid zip-based document ({error})") from None
    entries = archive.infolist()
    limits = context.limits
    if len(entries) > limits.max_zip_entries:
        raise SkipFileError(f"holds {len(entries):,} zip entries, more than the {limits.max_zip_entries:,} allowed")
    expanded = sum(entry.file_size for entry in entries)
    if expanded > limits.max_unzipped_bytes:
        raise SkipFileError(f"would expand to {expanded:,} bytes, more than the {limits.max_unzipped_bytes:,} allowed")
    if any(entry.flag_bits & 0x1 for entry in entries):
        raise SkipFileError("encrypted (password-protected)")
    # The sizes above are what the file declares. A lying entry (2 kB declared, 600 MB inside) made
    # zipfile inflate it whole in one call when a library read it (issue #25): inflate each entry
    # here first, a chunk at a time, counting the real bytes.
    budget = limits.max_unzipped_bytes
    for entry in entries:
        context.check_time()
        budget -= _inflated_size(data, entry, budget)
    return archive


def _inflated_size(data: bytes, entry: zipfile.ZipInfo, budget: int) -> int:
    """The bytes an entry really inflates to, read `INFLATE_CHUNK` at a time; `SkipFileError` once
    it passes its declared size or the `budget` left of the file's limit."""
    if entry.compress_type == zipfile.ZIP_STORED:
        return entry.compress_size
    if entry.compress_type != zipfile.ZIP_DEFLATED:
        raise SkipFileError(f"uses a zip compression askdocs does not read ({entry.compress_type})")
    header = data[entry.header_offset : entry.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise SkipFileError("not a valid zip-based document (a damaged entry header)")
    start = entry.header_offset + 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    pending = data[start : start + entry.compress_size]
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    size = 0
    while pending and not inflater.eof:
        try:
            size += len(inflater.decompress(pending, INFLATE_CHUNK))
        except zlib.error as error:
            raise SkipFileError(f"not a valid zip-based document ({error})") from None
        pending = inflater.unconsumed_tail
        if size > entry.file_size or size > budget:
            raise SkipFileError(
                f"its entry {entry.filename!r} inflates past {min(entry.file_size, budget):,} bytes "
                "(it declares less: a zip bomb)"
                if size > entry.file_size
                else f"expands past the {budget:,} bytes allowed (a zip bomb)"
            )
    return size


def open_office_package(
    context: ParseContext, data: bytes, opener: Callable[[io.BytesIO], T], what: str, not_found: type[Exception]
) -> T:
    """An Office Open XML package (python-docx, python-pptx) opened after `open_zip`'s checks;
    `SkipFileError` naming what the file really is when it is not `what`."""
    try:
        return opener(io.BytesIO(guarded_zip_bytes(context, data)))
    except (not_found, KeyError) as error:
        raise SkipFileError(f"not a {what} ({error})") from None
    except ValueError as error:
        # The library names the file by its repr; the main part's content type says what it is instead.
        content = re.search(r"content type is '([^']+)'", str(error))
        raise SkipFileError(f"not a {what} ({content.group(1) if content else error})") from None


def guarded_zip_bytes(context: ParseContext, data: bytes) -> bytes:
    """`data`, after `open_zip`'s checks, for libraries that open the zip themselves."""
    open_zip(context, data).close()
    return data
