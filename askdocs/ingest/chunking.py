"""Split passages into chunks that fit the model's window, at sentence boundaries."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import sentencex

from askdocs.cleaning import text_for_model, text_for_model_mapped
from askdocs.fileio import content_hash
from askdocs.records import Chunk, ChunkPlan, Citation, Passage

TokenCounter = Callable[[list[str]], list[int]]
# Character spans of a text's word pieces, without [CLS]/[SEP].
OffsetFinder = Callable[[str], list[tuple[int, int]]]
# Special tokens the model adds around every input ([CLS] ... [SEP]).
SPECIAL_TOKENS = 2


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`, trailing spaces left out."""
    spans: list[tuple[int, int]] = []
    position = 0
    for sentence in sentencex.segment("en", text):
        start = text.find(sentence.strip(), position)
        if start < 0 or not sentence.strip():
            continue
        end = start + len(sentence.strip())
        spans.append((start, end))
        position = end
    return spans or [(0, len(text))]


def _split_long_sentence(
    text: str, span: tuple[int, int], budget: int, word_piece_offsets: OffsetFinder
) -> list[tuple[int, int]]:
    """Cut a sentence longer than the window at word-piece boundaries."""
    start, end = span
    offsets = word_piece_offsets(text[start:end])
    pieces = []
    for i in range(0, len(offsets), budget):
        window = offsets[i : i + budget]
        pieces.append((start + window[0][0], start + window[-1][1]))
    return pieces


def pack(lengths: Sequence[int], budget: int, overlap: int) -> list[tuple[int, int]]:
    """Group consecutive sentences (by token length) into runs of at most `budget` tokens.

    Each run after the first repeats up to `overlap` sentences of the one before, when they fit.
    Returns (first, last + 1) sentence indexes.
    """
    runs: list[tuple[int, int]] = []
    first = 0
    while first < len(lengths):
        total, last = 0, first
        while last < len(lengths) and total + lengths[last] <= budget:
            total += lengths[last]
            last += 1
        last = max(last, first + 1)
        runs.append((first, last))
        if last >= len(lengths):
            break
        next_first = last
        while next_first > first + 1 and last - next_first < overlap:
            if sum(lengths[next_first - 1 : last]) + lengths[last] > budget:
                break
            next_first -= 1
        first = next_first
    return runs


def embed_text(title: str | None, text: str) -> str:
    """What the model reads for a chunk: its title for context, then its text."""
    body = text_for_model(text)
    return f"{title}. {body}" if title else body


def sentences_in_embed_text(chunk: Chunk) -> tuple[tuple[tuple[int, int], ...], list[tuple[int, int]]]:
    """The chunk's sentence spans, in the chunk text and in its embed text (what the model read)."""
    body, where = text_for_model_mapped(chunk.text)
    prefix = len(chunk.embed_text) - len(body)
    spans = tuple(sentence_spans(chunk.text))
    mapped = [(prefix + bisect_left(where, start), prefix + bisect_left(where, end)) for start, end in spans]
    return spans, mapped


def cite(citations: Sequence[Citation], line_starts: Sequence[int], span: tuple[int, int]) -> tuple[Citation, ...]:
    """The passage's citations moved to the line where `span` starts."""
    lines_down = bisect_right(line_starts, span[0]) - 1
    return tuple(c.shifted(lines_down, span) if c.line is not None else replace(c, span=span) for c in citations)


def plan_key(passage: Passage) -> str:
    """What a passage's plan depends on besides the settings and tokenizer: its title and text."""
    return content_hash(f"{passage.title or ''}\n{passage.text}")


def plan_chunks(
    passages: Sequence[Passage],
    count_tokens: TokenCounter,
    word_piece_offsets: OffsetFinder,
    chunk_tokens: int,
    overlap: int,
) -> list[ChunkPlan]:
    """A plan for every passage: one chunk if it fits, else sentence-aligned runs that do."""
    whole = [embed_text(p.title, p.text) for p in passages]
    whole_tokens = count_tokens(whole)
    title_tokens = count_tokens([f"{p.title}. " if p.title else "" for p in passages])
    long = [pid for pid in range(len(passages)) if whole_tokens[pid] + SPECIAL_TOKENS > chunk_tokens]
    sentences = {pid: sentence_spans(passages[pid].text) for pid in long}
    # One tokenizer call for the sentences of every long passage: a call per passage cost 3x as much.
    counted = iter(count_tokens([passages[pid].text[s:e] for pid in long for s, e in sentences[pid]]))
    plans: list[ChunkPlan] = []
    for pid, passage in enumerate(passages):
        if pid not in sentences:
            plans.append(ChunkPlan(((0, len(passage.text)),), titled=True))
            continue
        # A long title must not crowd the text out of the window.
        budget = max(chunk_tokens - SPECIAL_TOKENS - title_tokens[pid], chunk_tokens // 2)
        titled = title_tokens[pid] + SPECIAL_TOKENS < chunk_tokens // 2
        lengths = [next(counted) for _ in sentences[pid]]
        spans = sentences[pid]
        if max(lengths) > budget:
            spans = []
            for sentence, length in zip(sentences[pid], lengths):
                spans.extend(
                    _split_long_sentence(passage.text, sentence, budget, word_piece_offsets)
                    if length > budget
                    else [sentence]
                )
            lengths = count_tokens([passage.text[s:e] for s, e in spans])
        runs = pack(lengths, budget - 1, overlap)
        plans.append(ChunkPlan(tuple((spans[first][0], spans[last - 1][1]) for first, last in runs), titled))
    return plans


def chunks_from_plans(passages: Sequence[Passage], plans: Sequence[ChunkPlan]) -> list[Chunk]:
    """The chunks the plans describe, each citing the line where it starts."""
    chunks: list[Chunk] = []
    for pid, (passage, plan) in enumerate(zip(passages, plans)):
        title = passage.title if plan.titled else None
        for span in plan.spans:
            text = passage.text[span[0] : span[1]]
            chunks.append(
                Chunk(pid, text, span, cite(passage.citations, passage.line_starts, span), embed_text(title, text))
            )
    return chunks


def chunk_with_planner(
    passages: Sequence[Passage],
    planner: Callable[[list[Passage]], list[ChunkPlan]],
    known: Mapping[str, ChunkPlan] | None = None,
) -> tuple[list[Chunk], dict[str, ChunkPlan]]:
    """Chunks for every passage, in order, and every passage's plan by `plan_key`; `planner` plans the new ones.

    Plans in `known` (from the previous build, same settings and model) are reused, so only new or
    edited passages are tokenised again; on all of MedQuAD that was most of a rebuild's time.
    """
    known = known or {}
    keys = [plan_key(p) for p in passages]
    todo = [pid for pid, key in enumerate(keys) if key not in known]
    fresh = dict(zip(todo, planner([passages[pid] for pid in todo]))) if todo else {}
    plans = [fresh[pid] if pid in fresh else known[key] for pid, key in enumerate(keys)]
    return chunks_from_plans(passages, plans), dict(zip(keys, plans))
