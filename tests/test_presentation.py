"""Hits as text, JSON and escaped HTML: corpus text never takes effect on the page."""

from __future__ import annotations

import html
import json
import re

import pytest

from askdocs.index.build_folder import format_counts
from askdocs.index.keyword_analysis import KeywordAnalysis
from askdocs.records import Citation, Hit
from askdocs.serve.presentation import (
    MAX_TERM_SPANS,
    QuestionTerms,
    citation_label,
    hit_to_json,
    marked_html,
    safe_html,
    safe_link,
)
from askdocs.settings import IndexSettings


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("<script>alert(1)</script>", "<script>"),
        ("see [link](javascript:x) here", "](javascript:"),
        ("so happy :smile: today", ":smile:"),
        ("costs $x$ dollars", "$x$"),
    ],
)
def test_safe_html_leaves_no_markup_or_markdown_to_take_effect(text: str, literal: str) -> None:
    out = safe_html(text)
    assert literal not in out
    assert not re.search(r"[<>\[\]():$*_`]", out)
    assert html.unescape(out) == text  # shown literally


def test_marked_html_wraps_exactly_the_span() -> None:
    text = "Rest helps. <b>Ice</b> eases bursitis. Walk daily."
    start, end = 12, 38
    out = marked_html(text, (start, end))
    assert out.count("<mark>") == out.count("</mark>") == 1
    before, rest = out.split("<mark>")
    inside, after = rest.split("</mark>")
    assert (html.unescape(before), html.unescape(inside), html.unescape(after)) == (
        text[:start],
        text[start:end],
        text[end:],
    )
    assert "<b>" not in out
    assert marked_html(text, None) == safe_html(text) and "<mark>" not in safe_html(text)


def test_safe_link_links_only_http_urls() -> None:
    web = Citation("records.jsonl", doc_id="doc-1", title="Gout", url="https://example.org/gout?a=1&b=<2>")
    link = safe_link(web)
    assert link.startswith('<a href="') and link.endswith(f">{safe_html(citation_label(web))}</a>")
    href = re.search(r'href="([^"]*)"', link)
    assert href and html.unescape(href.group(1)) == web.url and "<2>" not in link
    assert 'rel="noopener noreferrer"' in link
    assert safe_link(Citation("a.txt", url="HTTP://EXAMPLE.ORG")).startswith("<a ")
    for url in ("javascript:alert(1)", "data:text/html,<script>x</script>", None):
        citation = Citation("notes.txt", line=2, url=url)
        assert safe_link(citation) == safe_html("notes.txt, line 2")
        assert "<a" not in safe_link(citation) and "javascript:" not in safe_link(citation)


def test_citation_label_for_a_line_a_page_and_a_record() -> None:
    assert citation_label(Citation("notes.txt", line=12)) == "notes.txt, line 12"
    assert citation_label(Citation("guide.pdf", page=3)) == "guide.pdf, page 3"
    assert citation_label(Citation("records.jsonl", doc_id="doc-7", title="Gout")) == "Gout: records.jsonl, id doc-7"
    assert citation_label(Citation("records.jsonl", doc_id="doc-8")) == "records.jsonl, id doc-8"


def test_citation_label_names_the_place_to_open_in_each_kind_of_document() -> None:
    assert citation_label(Citation("deck.pptx", slide=3, section="Results")) == 'deck.pptx, slide 3 "Results"'
    assert citation_label(Citation("book.xlsx", sheet="Q3", row=7)) == "book.xlsx, sheet Q3, row 7"
    guide = Citation("guide.docx", section="Setup > Linux", paragraph=14)
    assert citation_label(guide) == "guide.docx, Setup > Linux, paragraph 14"
    assert citation_label(Citation("scan.pdf", page=2, ocr=True)) == "scan.pdf, page 2 (OCR)"
    page = Citation("manual.html", line=40, section="Install", anchor="install")
    assert citation_label(page) == "manual.html#install, Install, line 40"
    assert citation_label(Citation("novel.epub", chapter=3, section="The storm")) == "novel.epub, chapter 3, The storm"


def test_format_counts_lists_files_read_and_skipped_by_format() -> None:
    counts = {".pdf": {"read": 2, "skipped": 1}, ".docx": {"read": 3, "skipped": 0}}
    assert format_counts(counts) == ".docx 3 · .pdf 2 (1 skipped)"
    assert "older askdocs" in format_counts({})


def test_hit_to_json_round_trips_citations() -> None:
    citations = [
        Citation("notes.txt", line=4, span=(0, 20)),
        Citation("records.jsonl", doc_id="doc-1", title="Gout", url="https://example.org/g"),
        Citation("guide.pdf", page=2, span=(5, 9)),
    ]
    hit = Hit("Sciatica is nerve pain.", 1.5, citations, highlight=(0, 9), confident=False, similarity=0.4)
    data = json.loads(json.dumps(hit_to_json(hit)))
    assert [Citation.from_json(c) for c in data["citations"]] == citations
    assert data["citations"][1] == {
        "source": "records.jsonl",
        "doc_id": "doc-1",
        "title": "Gout",
        "url": "https://example.org/g",
        "format": "jsonl",
        "folder": "",
    }
    assert hit_to_json(Hit("x", 1.0, [Citation("a/b/c.PDF", page=1)]))["citations"][0]["folder"] == "a/b"
    assert (data["text"], data["score"], data["highlight"], data["confident"], data["similarity"]) == (
        hit.text,
        1.5,
        [0, 9],
        False,
        0.4,
    )


TERM = '<strong class="askdocs-term">'


def terms(question: str) -> QuestionTerms:
    return QuestionTerms.of(question, KeywordAnalysis(("en",), IndexSettings().keyword_stopwords))


def emphasised(html_text: str) -> list[str]:
    return [html.unescape(word) for word in re.findall(f"{TERM}(.*?)</strong>", html_text)]


def test_question_words_are_found_as_bm25_matches_them() -> None:
    question = terms("What does the injection of cement do for fractures?")
    assert question.stems == {"inject", "cement", "fractur"}  # stemmed; "what", "does", "the" are stopwords
    text = "Cement injected into fractured bones: the injector does it. Injections help; subcement and inject_x do not."
    words = [text[start:end] for start, end in question.spans(text)]
    # Whole words whose stem is a question's: "injector" stems to itself, "inject_x" is one word.
    assert words == ["Cement", "injected", "fractured", "Injections"]
    assert emphasised(marked_html(text, None, question)) == words


def test_stopwords_are_not_emphasised() -> None:
    text = "What is the treatment? The treatment is rest."
    assert emphasised(marked_html(text, None, terms("what is the treatment"))) == ["treatment", "treatment"]
    only_stopwords = terms("what is it?")
    assert not only_stopwords.stems and only_stopwords.spans(text) == []
    assert marked_html(text, (0, 22), only_stopwords) == marked_html(text, (0, 22))


def test_terms_are_emphasised_inside_and_outside_the_mark_and_nest_at_its_edge() -> None:
    question = terms("injection")
    assert marked_html("Injection, then injection.", (11, 26), question) == (
        f"{TERM}Injection</strong>&#44; <mark>then {TERM}injection</strong>&#46;</mark>"
    )
    # A word the mark's edge cuts is emphasised on both sides, each part inside one element.
    assert marked_html("injection", (0, 3), question) == f"<mark>{TERM}inj</strong></mark>{TERM}ection</strong>"


def test_emphasis_leaves_hostile_text_escaped() -> None:
    text = "<script>inject</script> &inject; [inject](javascript:x) *inject* inject_ $inject$ :inject: a<inject>&b"
    out = marked_html(text, (text.index("&"), text.index(" *")), terms("inject"))
    assert emphasised(out) == ["inject"] * 7
    bare = re.sub(f"{TERM}|</strong>|<mark>|</mark>", "", out)
    assert not re.search(r"[<>\[\]():$*_`]", bare)
    assert html.unescape(bare) == text and "<script" not in out


def test_a_passage_repeating_a_question_word_emphasises_a_bounded_number() -> None:
    text = "pain " * (MAX_TERM_SPANS + 50)
    spans = terms("pain").spans(text)
    assert len(spans) == MAX_TERM_SPANS and spans[0] == (0, 4)
    assert marked_html(text, None, terms("pain")).count(TERM) == MAX_TERM_SPANS
