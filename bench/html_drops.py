"""What the HTML reader keeps and drops, on folders of real HTML (one folder per site).

    python bench/html_drops.py SITE_DIR [SITE_DIR ...] [--baseline OLD_HTML_PY] [--sample 5]
                               [--hand-sample 30] [--out bench/results/html-drops-DATE.json]

For each folder (named after its site) it parses every .html/.htm file with askdocs' HTML reader
and prints: files, passages kept (and how many carry a section and an #anchor), dropped items by
reason with a sample of each, and how many dropped items were a heading's text or code (lines of a
`<pre>` block, or a `<code>` element holding a command) in the page. `--baseline` takes another
reader module (a file defining `parse_html(source, text)`, e.g. the previous askdocs/formats/html.py
from git), reports the same figures for it side by side, and lists the passages it kept that the
reader no longer keeps, with the drop that took each. `--hand-sample` draws about that many dropped
items at random, as many from each site, to check by hand how many are really navigation.
Figures and samples go to the `--out` JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from askdocs.cleaning import normalize  # noqa: E402
from askdocs.ingest.formats.base import ParsedFile, decode_text  # noqa: E402
from askdocs.ingest.formats.html import parse_html  # noqa: E402

RESULTS = ROOT / "bench" / "results"
Parser = Callable[[str, str], ParsedFile]
# Heading texts by line, <pre> blocks as (first line, last line, text), multi-word <code> texts by line.
Structure = tuple[dict[int, set[str]], list[tuple[int, int, str]], dict[int, set[str]]]
# rustdoc's "ⓘ" tooltip, which the old reader kept as an "i" after NFKC.
_TOOLTIP = re.compile(r"ⓘ|(?<=>) i (?=where)|(?<=>) i$")
_PERMALINKS = re.compile(r"\[source\]|[¶§🔗\ue000-\uf8ff]")
_GLYPH = re.compile(r"(?:\s*[¶§🔗\ue000-\uf8ff]+|\s+#)$")


def load_baseline(path: Path) -> Parser:
    """`parse_html` from another reader module's file."""
    spec = importlib.util.spec_from_file_location("baseline_html", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_html  # type: ignore[no-any-return]


def page_structure(text: str) -> Structure:
    """Where a page's headings, `<pre>` blocks and multi-word `<code>` elements are: heading texts by
    line, pre blocks as (first line, last line, text), code texts by line (all normalised)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    headings: dict[int, set[str]] = {}
    for tag in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        for variant in (tag.get_text(" "), tag.get_text("")):
            clean = normalize(variant)
            headings.setdefault(tag.sourceline, set()).update({clean, _GLYPH.sub("", clean).strip()})
    pre = []
    for tag in soup.find_all("pre"):
        raw = tag.get_text("")
        pre.append((tag.sourceline, tag.sourceline + raw.count("\n"), normalize(raw)))
    code: dict[int, set[str]] = {}
    for tag in soup.find_all(["code", "kbd", "samp"]):
        clean = normalize(tag.get_text(""))
        if " " in clean:
            code.setdefault(tag.sourceline, set()).add(clean)
    return headings, pre, code


def kind_of(
    line: int | None,
    text: str,
    headings: dict[int, set[str]],
    pre: list[tuple[int, int, str]],
    code: dict[int, set[str]],
) -> str:
    """Whether a dropped item is a heading's text, code, or something else (matched by line and text)."""
    if line is None or not text:
        return "other"
    if text in headings.get(line, ()):
        return "heading"
    if any(first <= line <= last and text in block for first, last, block in pre):
        return "code"
    if any(text in c for c in code.get(line, ())):
        return "code"
    return "other"


class Tally:
    """One reader's figures over one site."""

    def __init__(self) -> None:
        self.passages = self.with_section = self.with_anchor = self.words = 0
        self.passage_kinds: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.kinds: Counter[str] = Counter()
        self.drops: list[dict[str, Any]] = []
        self.seconds = 0.0

    def add(self, name: str, parsed: ParsedFile, structure: Structure) -> None:
        """Count one file's passages and dropped items."""
        self.passages += len(parsed.passages)
        self.with_section += sum(1 for p in parsed.passages if p.citations[0].section)
        self.with_anchor += sum(1 for p in parsed.passages if p.citations[0].anchor)
        self.words += sum(len(p.text.split()) for p in parsed.passages)
        for passage in parsed.passages:
            self.passage_kinds[kind_of(passage.citations[0].line, passage.text, *structure)] += 1
        for dropped in parsed.dropped:
            kind = kind_of(dropped.line, dropped.text, *structure)
            self.reasons[dropped.reason] += 1
            self.kinds[kind] += 1
            self.drops.append(
                {"file": name, "line": dropped.line, "reason": dropped.reason, "kind": kind, "text": dropped.text[:200]}
            )

    def summary(self, files: int) -> dict[str, Any]:
        """The figures as JSON."""
        return {
            "files": files,
            "passages": self.passages,
            "passages_with_section": self.with_section,
            "passages_with_anchor": self.with_anchor,
            "words_kept": self.words,
            "passages_by_kind": {k: self.passage_kinds.get(k, 0) for k in ("heading", "code", "other")},
            "dropped": sum(self.reasons.values()),
            "dropped_by_reason": dict(self.reasons.most_common()),
            "dropped_by_kind": {k: self.kinds.get(k, 0) for k in ("heading", "code", "other")},
            "parse_seconds": round(self.seconds, 2),
        }


def squash(text: str) -> str:
    """Text without whitespace, permalink glyphs or "[source]" links, to find one reader's passage
    inside another's however each splits words and cleans headings."""
    return _PERMALINKS.sub("", re.sub(r"\s+", "", _TOOLTIP.sub(" ", text)))


def element_texts(text: str) -> dict[int, list[str]]:
    """For each source line, the squashed text of each element starting on it."""
    from bs4 import BeautifulSoup

    texts: dict[int, list[str]] = {}
    for tag in BeautifulSoup(text, "html.parser").find_all(True):
        if tag.sourceline is not None:
            texts.setdefault(tag.sourceline, []).append(squash(tag.get_text()))
    return texts


def compare(name: str, text: str, before: ParsedFile, after: ParsedFile, lost: list[dict[str, Any]]) -> None:
    """Passages the baseline kept that the reader no longer keeps, with the reason it dropped them:
    a dropped item holding the text, or an element dropped as navigation that holds it."""
    kept = squash("\x00".join([p.text for p in after.passages] + [p.title or "" for p in after.passages]))
    # A passage the reader now splits in two ("Free redistribution." and its paragraph) is kept.
    joined = squash("".join(p.text for p in after.passages))
    missing = [p for p in before.passages if squash(p.text) not in kept and squash(p.text) not in joined]
    if not missing:
        return
    drops = [(squash(d.text), d.reason) for d in after.dropped]
    elements = element_texts(text)
    # Dropped elements in full (a dropped item's text is cut at 300 characters).
    containers: list[tuple[str, str]] = []
    for dropped in after.dropped:
        if dropped.line is None or dropped.reason in ("navigation: links only", "navigation: menu heading"):
            continue
        if dropped.reason.startswith("navigation: "):
            start = squash(dropped.text)[:30]
            containers += [(t, dropped.reason) for t in elements.get(dropped.line, []) if t.startswith(start)]
    for passage in missing:
        squashed = squash(passage.text)
        reason = next((r for d, r in drops if squashed in d or (len(d) > 20 and d in squashed)), None)
        reason = reason or next((r for t, r in containers if squashed in t), "missing")
        lost.append({"file": name, "line": passage.citations[0].line, "reason": reason, "text": passage.text[:200]})


def measure(files: list[Path], baseline: Parser | None) -> tuple[Tally, Tally | None, list[dict[str, Any]]]:
    """The reader's figures over a site's files, the baseline's, and the baseline's passages now dropped."""
    after, before = Tally(), Tally() if baseline else None
    lost: list[dict[str, Any]] = []
    for path in files:
        text = decode_text(path.read_bytes())
        structure = page_structure(text)
        started = time.perf_counter()
        parsed = parse_html(path.name, text)
        after.seconds += time.perf_counter() - started
        after.add(path.name, parsed, structure)
        if baseline is not None and before is not None:
            started = time.perf_counter()
            old = baseline(path.name, text)
            before.seconds += time.perf_counter() - started
            before.add(path.name, old, structure)
            compare(path.name, text, old, parsed, lost)
    return after, before, lost


def samples(drops: list[dict[str, Any]], per_reason: int, rng: random.Random) -> dict[str, list[str]]:
    """A few dropped items of each reason."""
    by_reason: dict[str, list[dict[str, Any]]] = {}
    for drop in drops:
        by_reason.setdefault(drop["reason"], []).append(drop)
    return {
        reason: [f"{d['file']}:{d['line']} {d['text'][:120]}" for d in rng.sample(items, min(per_reason, len(items)))]
        for reason, items in sorted(by_reason.items())
    }


def html_files(folder: Path) -> list[Path]:
    """The .html/.htm files under a folder, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".html", ".htm") and p.is_file())


def print_site(name: str, site: dict[str, Any]) -> None:
    """One site's figures as text."""
    print(f"\n== {name}: {site['after']['files']} files")
    for label in ("after", "before"):
        data = site[label]
        if data is None:
            continue
        print(
            f"  {label:6} passages {data['passages']:>6} (section {data['passages_with_section']}, "
            f"anchor {data['passages_with_anchor']}, words {data['words_kept']}), dropped {data['dropped']:>5}, "
            f"of them headings {data['dropped_by_kind']['heading']}, code {data['dropped_by_kind']['code']}, "
            f"parse {data['parse_seconds']} s"
        )
        for reason, count in data["dropped_by_reason"].items():
            print(f"      {count:>6}  {reason}")
    for reason, lines in site["samples_after"].items():
        print(f"  sample of '{reason}':")
        for line in lines:
            print(f"      {line}")
    lost = site.get("before_kept_now_dropped")
    if lost:
        print(f"  kept before, not kept now: {lost['count']} {lost['by_reason']}")
        for reason, lines in lost["samples"].items():
            for line in lines:
                print(f"      [{reason}] {line}")


def main() -> None:
    """Measure each site folder and save the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sites", nargs="+", type=Path)
    parser.add_argument("--baseline", type=Path, help="a previous html.py to compare with")
    parser.add_argument("--sample", type=int, default=5, help="dropped items shown per reason")
    parser.add_argument("--hand-sample", type=int, default=30, help="dropped items to draw, as many from each site")
    parser.add_argument("--out", type=Path, default=RESULTS / f"html-drops-{date.today()}.json")
    args = parser.parse_args()
    baseline = load_baseline(args.baseline) if args.baseline else None
    rng = random.Random(7)
    report: dict[str, Any] = {"sites": {}, "baseline": str(args.baseline) if args.baseline else None}
    everything: list[dict[str, Any]] = []
    for folder in args.sites:
        files = html_files(folder)
        after_tally, before_tally, lost = measure(files, baseline)
        after = after_tally.summary(len(files))
        before = before_tally.summary(len(files)) if before_tally else None
        everything.extend({"site": folder.name, **d} for d in after_tally.drops)
        site: dict[str, Any] = {"after": after, "before": before}
        site["samples_after"] = samples(after_tally.drops, args.sample, rng)
        if before_tally is not None:
            code_or_headings = [d for d in before_tally.drops if d["kind"] != "other"]
            site["before_heading_and_code_samples"] = [
                f"{d['file']}:{d['line']} [{d['kind']}] {d['text'][:120]}"
                for d in rng.sample(code_or_headings, min(args.sample, len(code_or_headings)))
            ]
            site["before_kept_now_dropped"] = {
                "count": len(lost),
                "by_reason": dict(Counter(d["reason"] for d in lost).most_common()),
                "samples": samples(lost, args.sample, rng),
            }
        print_site(folder.name, site)
        report["sites"][folder.name] = site
    # The same number from every site, so the big ones do not fill the sample.
    per_site = -(-args.hand_sample // max(len(args.sites), 1))
    hand: list[dict[str, Any]] = []
    for folder in args.sites:
        pool = [d for d in everything if d["site"] == folder.name]
        hand.extend(rng.sample(pool, min(per_site, len(pool))))
    report["hand_sample"] = [f"{d['site']} {d['file']}:{d['line']} [{d['reason']}] {d['text'][:160]}" for d in hand]
    print("\n== hand-check sample (dropped after the change):")
    for number, line in enumerate(report["hand_sample"], 1):
        print(f"  {number:>2}. {line}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nsaved {args.out}")


if __name__ == "__main__":
    main()
