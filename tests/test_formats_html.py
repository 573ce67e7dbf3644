"""Reading HTML as structure: headings title and cite their sections, code blocks and table rows are
passages, and only navigation is left out (with its reason)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from askdocs import Searcher
from askdocs.ingest.formats import html
from askdocs.ingest.formats.base import ParseContext, SkipFileError
from askdocs.ingest.formats.html import parse_html
from askdocs.serve.presentation import citation_label
from askdocs.settings import ReadLimits

# A page laid out as Sphinx lays one out: ids on <section> (new) or <div class="section"> (old),
# "¶" permalinks in the headings, a related bar, a sidebar and a footer.
SPHINX_PAGE = """<!DOCTYPE html>
<html><head><title>16.1. Errors — Manual</title><script>var x = 1;</script></head>
<body>
<div class="related" role="navigation" aria-label="related navigation">
  <h3>Navigation</h3>
  <ul><li><a href="genindex.html">index</a></li><li><a href="next.html">next</a> |</li></ul>
</div>
<div class="document"><div class="body" role="main">
<ul class="breadcrumbs"><li><a href="index.html">Docs</a> &raquo;</li><li>Errors</li></ul>
<section id="errors">
<h1>16.1. Errors<a class="headerlink" href="#errors" title="Permalink to this heading">¶</a></h1>
<p>This chapter describes how the tool reports errors to the calling program.</p>
<div class="section" id="error-handling">
<h2>16.1.1. Error Handling<a class="headerlink" href="#error-handling">¶</a></h2>
<p>Every failed call returns the exit status 17 and writes one line to the error log.</p>
<div class="highlight-shell-session"><div class="highlight"><pre><span class="gp">$ </span>chmod +x myscript.py
<span class="gp">$ </span>./myscript.py --strict
</pre></div></div>
<p>Retries are attempted three times before the call gives up.</p>
<div class="highlight"><pre>ls</pre></div>
</div>
<h2 id="exit-codes">Exit codes <a href="#exit-codes">#</a></h2>
<p>Exit code 17 means the configuration file could not be parsed.</p>
</section>
</div></div>
<div class="sphinxsidebar" role="navigation" aria-label="main navigation">
  <h4>Previous topic</h4><p class="topless"><a href="prev.html">16. Introduction</a></p>
  <h4>Next topic</h4><p class="topless"><a href="next.html">17. Logging</a></p>
  <h3>This Page</h3><ul class="this-page-menu"><li><a href="_sources/errors.rst.txt">Show Source</a></li></ul>
</div>
<div class="footer" role="contentinfo">&copy; Copyright 2026, the authors. Created using Sphinx.</div>
</body></html>
"""


def _passages(page: str, name: str = "page.html") -> list[tuple[str, str | None, str | None, int | None]]:
    parsed = parse_html(name, page)
    return [(p.text, p.citations[0].section, p.citations[0].anchor, p.citations[0].line) for p in parsed.passages]


def test_sphinx_headings_title_and_cite_their_sections_with_anchors() -> None:
    parsed = parse_html("errors.html", SPHINX_PAGE)
    by_text = {p.text: p for p in parsed.passages}
    intro = by_text["This chapter describes how the tool reports errors to the calling program."]
    status = by_text["Every failed call returns the exit status 17 and writes one line to the error log."]
    codes = by_text["Exit code 17 means the configuration file could not be parsed."]
    assert (intro.title, intro.citations[0].anchor) == ("16.1. Errors", "errors")
    # The id on <div class="section">, the "¶" left out, the section number kept.
    assert status.title == "16.1. Errors > 16.1.1. Error Handling"
    assert (status.citations[0].section, status.citations[0].anchor) == (status.title, "error-handling")
    assert status.citations[0].line == 15
    # The heading's own id, its "#" permalink left out; a new h2 closes the previous one.
    assert (codes.title, codes.citations[0].anchor) == ("16.1. Errors > Exit codes", "exit-codes")
    assert (
        citation_label(status.citations[0])
        == "errors.html#error-handling, 16.1. Errors > 16.1.1. Error Handling, line 15"
    )
    # Headings are titles, not passages, and no longer dropped as "navigation fragments".
    assert not any("Error Handling" in p.text for p in parsed.passages)
    assert not any("Error Handling" in d.text or d.text.startswith("16.1.") for d in parsed.dropped)


def test_pre_blocks_are_passages_of_their_own_with_command_lines_intact() -> None:
    parsed = parse_html("errors.html", SPHINX_PAGE)
    code = [p for p in parsed.passages if "chmod" in p.text]
    assert [p.text for p in code] == ["$ chmod +x myscript.py $ ./myscript.py --strict"]
    assert code[0].citations[0].line == 16 and code[0].line_starts[:2] == (0, len("$ chmod +x myscript.py") + 1)
    assert code[0].citations[0].anchor == "error-handling"
    # A one-word block is kept too (the drop rules would call "ls" a fragment), as its own passage.
    assert "ls" in [p.text for p in parsed.passages]
    # A command alone in a paragraph's <code> is kept; so is a lone identifier, as the page's own text
    # (issue #25: nothing is dropped for being short).
    kept = _passages("<h2 id='run'>Run</h2><p><code>$ make install</code></p><p><code>make</code></p>")
    assert [(t, a) for t, _, a, _ in kept] == [("$ make install", "run"), ("make", "run")]
    # Beside a numbered listing the line-number column is left out; output that is numbers is kept.
    listing = """<table class="highlighttable"><tr><td class="linenos"><div class="linenodiv"><pre>1
2</pre></div></td><td class="code"><div class="highlight"><pre>x = 1
y = 2</pre></div></td></tr></table><pre>208 151</pre>"""
    assert [t for t, _, _, _ in _passages(listing)] == ["x = 1 y = 2", "208 151"]


def test_navigation_is_dropped_with_its_reason_and_content_links_stay() -> None:
    parsed = parse_html("errors.html", SPHINX_PAGE)
    texts = " ".join(p.text for p in parsed.passages)
    for menu in ("Next topic", "Show Source", "17. Logging", "Docs", "index", "Copyright", "Navigation"):
        assert menu not in texts
    reasons = {d.reason for d in parsed.dropped}
    assert {
        "navigation: role=navigation",
        "navigation: class/id breadcrumbs",
        "navigation: role=contentinfo",
    } <= reasons
    assert any("Show Source" in d.text and "Next topic" in d.text for d in parsed.dropped)

    page = """<nav><a href="/">Home</a> <a href="/docs">Docs</a></nav>
<h1>Backups</h1>
<p>Run the <a href="backup.html">backup command</a> every night before midnight.</p>
<ul><li><a href="restore.html">Restoring a backup</a></li>
<li><a href="guide.html">Read the full backup guide on the project site for every single option it has</a></li>
<li><a href="signup.html">Sign up for an account</a>.</li></ul>
<p><a href="https://example.org/spec">https://example.org/spec</a></p>
<div class="nav-links"><a href="prev.html">Previous</a> <a href="next.html">Next</a></div>
<div class="sidebar"><p class="title">Tip</p><p>A sidebar in a book is a boxed note: keep the nightly backups on another disk.</p></div>"""
    parsed = parse_html("b.html", page)
    kept = [p.text for p in parsed.passages]
    assert kept == [
        "Run the backup command every night before midnight.",
        "Read the full backup guide on the project site for every single option it has",
        "Sign up for an account.",
        "https://example.org/spec",
        "A sidebar in a book is a boxed note: keep the nightly backups on another disk.",
    ]
    dropped = {d.text: d.reason for d in parsed.dropped}
    assert dropped["Restoring a backup"] == "navigation: links only"
    assert dropped["Home Docs"] == "navigation: <nav>"
    assert dropped["Previous Next"] == "navigation: class/id nav"
    assert dropped["Tip"] == "navigation: box label"  # a note box's label, known by its class


def test_table_rows_are_read_with_their_column_headers() -> None:
    page = """<h2 id="opts">Options</h2>
<table><caption>Table 2. Command options</caption>
<thead><tr><th>Option</th><th>Meaning</th></tr></thead>
<tbody>
<tr><td><code>-v</code></td><td>verbose</td></tr>
<tr><td><code>-q</code></td><td><p>quiet: print nothing but errors</p></td></tr>
</tbody></table>"""
    parsed = parse_html("t.html", page)
    assert [(p.text, p.title, p.citations[0].line, p.citations[0].anchor) for p in parsed.passages] == [
        ("Option: -v; Meaning: verbose", "Options > Table 2. Command options", 5, "opts"),
        ("Option: -q; Meaning: quiet: print nothing but errors", "Options > Table 2. Command options", 6, "opts"),
    ]
    # DocBook's one-column "simplelist": a command in a cell is code, and a lone word (the CLUSTER
    # command) is content too (issue #25: nothing is dropped for being short).
    simple = '<table class="simplelist"><tr><td><code>CREATE TABLE</code></td></tr><tr><td><code>CLUSTER</code></td></tr></table>'
    assert [t for t, _, _, _ in _passages(simple)] == ["CREATE TABLE", "CLUSTER"]


def test_definition_terms_title_their_definitions() -> None:
    page = """<h2 id="api">API</h2>
<dl class="py function"><dt class="sig" id="tool.run"><span>tool.run(path, strict=False)</span><a class="headerlink" href="#tool.run">¶</a></dt>
<dd><p>Runs the tool on a path and returns the number of problems it found.</p>
<dl class="field-list"><dt>Returns</dt><dd><p>int</p></dd></dl></dd></dl>
<p>After the list, text belongs to the heading again and is long enough to keep.</p>"""
    parsed = parse_html("api.html", page)
    assert [(p.text, p.citations[0].section, p.citations[0].anchor) for p in parsed.passages] == [
        (
            "Runs the tool on a path and returns the number of problems it found.",
            "API > tool.run(path, strict=False)",
            "tool.run",
        ),
        ("Returns: int", "API > tool.run(path, strict=False) > Returns", "tool.run"),
        ("After the list, text belongs to the heading again and is long enough to keep.", "API", "api"),
    ]


def test_loose_text_beside_blocks_is_read_with_its_line() -> None:
    page = """<ul>
<li>Install the package from the archive first:
<ul><li>Then configure the service and restart the daemon.</li></ul></li>
</ul>"""
    assert [(t, line) for t, _, _, line in _passages(page)] == [
        ("Install the package from the archive first:", 2),
        ("Then configure the service and restart the daemon.", 3),
    ]


def test_search_finds_a_fact_in_its_section_and_cites_heading_and_anchor(make_index: Callable[..., Path]) -> None:
    page = """<html><body><div class="sphinxsidebar"><h4>Next topic</h4><a href="n.html">Logging</a></div>
<section id="install"><h1>Installing<a class="headerlink" href="#install">¶</a></h1>
<p>Download the archive and unpack it into your home directory before anything else.</p></section>
<section id="tuning"><h1>Tuning<a class="headerlink" href="#tuning">¶</a></h1>
<section id="memory"><h2>Memory limits<a class="headerlink" href="#memory">¶</a></h2>
<p>The cache holds at most 512 megabytes; raise cache_size in the settings file to allow more.</p></section>
<section id="threads"><h2>Worker threads<a class="headerlink" href="#threads">¶</a></h2>
<p>Four worker threads serve requests unless the workers option says otherwise.</p></section>
</section></body></html>"""
    index = make_index({"manual.html": page})
    hits = Searcher.load(index).search("How much memory can the cache use?", 3)
    top = hits[0].citations[0]
    assert "512 megabytes" in hits[0].text
    assert (top.section, top.anchor, top.line) == ("Tuning > Memory limits", "memory", 6)
    assert citation_label(top) == "manual.html#memory, Tuning > Memory limits, line 6"


def test_headings_of_empty_sections_and_unclosed_terms_are_read() -> None:
    page = """<h2 id="impls">Trait Implementations</h2>
<h3 id="impl-send">impl Send for Iter where T: Send</h3>
<h3 id="impl-sync">impl Sync for Iter where T: Sync</h3>
<h2 id="apply">Applying a changeset</h2>
<dl><dt>DELETE Changes<dd>For each DELETE change the function looks for a row with the same primary key.</dl>"""
    parsed = parse_html("s.html", page)
    assert [(p.text, p.title, p.citations[0].section, p.citations[0].anchor) for p in parsed.passages] == [
        (
            "impl Send for Iter where T: Send",
            "Trait Implementations",
            "Trait Implementations > impl Send for Iter where T: Send",
            "impl-send",
        ),
        (
            "impl Sync for Iter where T: Sync",
            "Trait Implementations",
            "Trait Implementations > impl Sync for Iter where T: Sync",
            "impl-sync",
        ),
        (
            "For each DELETE change the function looks for a row with the same primary key.",
            "Applying a changeset > DELETE Changes",
            "Applying a changeset > DELETE Changes",
            "apply",
        ),
    ]
    assert not parsed.dropped


def test_a_page_that_takes_too_long_is_skipped() -> None:
    context = ParseContext("big.html", ReadLimits(max_seconds=0.0))
    data = ("<p>A paragraph of text that is long enough to be kept.</p>\n" * 1000).encode()
    with pytest.raises(SkipFileError, match="limit"):
        html.parse(context, data)
    assert len(html.parse(ParseContext("big.html"), data).passages) == 1000


def test_unclosed_html4_terms_pair_with_their_short_definitions() -> None:
    page = """<H3>Operators</H3>
<DL COMPACT><DT><B>== !=</B>
<DD>equality and inequality
<DT><B>&amp;</B>
<DD>bitwise AND
</DL>"""
    assert [(t, s, line) for t, s, _, line in _passages(page)] == [
        ("== !=: equality and inequality", "Operators > == !=", 3),
        ("&: bitwise AND", "Operators > &", 5),
    ]
