from __future__ import annotations

import itertools

from askdocs import Searcher
from askdocs.encoders import Encoder
from askdocs.ingest.chunking import chunk_with_planner, chunks_from_plans, pack, plan_chunks, sentence_spans
from askdocs.records import ChunkPlan, Citation, Passage

FILLER = "The lumbar spine carries the weight of the upper body during everyday activities such as walking. "


def test_pack_respects_budget_and_overlaps_one_sentence() -> None:
    assert pack([10, 10, 10, 10, 10], 25, 1) == [(0, 2), (1, 3), (2, 4), (3, 5)]
    assert pack([10, 10, 10, 10, 10], 25, 0) == [(0, 2), (2, 4), (4, 5)]
    assert pack([30, 5], 25, 1) == [(0, 1), (1, 2)]


def test_sentence_spans_cover_the_sentences() -> None:
    text = "Dr. Smith examined the hip.  It was 3.5 cm wide! Then what?"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Dr. Smith examined the hip.",
        "It was 3.5 cm wide!",
        "Then what?",
    ]


def test_long_passage_chunks_fit_the_window_and_lose_nothing(encoder: Encoder) -> None:
    text = FILLER * 150 + "The secret remedy for sciatica is walking backwards."
    passage = Passage(text, (Citation("long.txt", line=3),), line_starts=(0,))
    chunks = chunks_from_plans(
        [passage], plan_chunks([passage], encoder.count_tokens, encoder.word_piece_offsets, 256, 1)
    )
    assert len(chunks) > 10
    assert all(n + 2 <= 256 for n in encoder.count_tokens([c.embed_text for c in chunks]))
    covered = set()
    for chunk in chunks:
        assert text[chunk.span[0] : chunk.span[1]] == chunk.text
        covered.update(range(*chunk.span))
    assert covered >= {i for i, ch in enumerate(text) if not ch.isspace()}
    assert chunks[-1].text.endswith("walking backwards.")
    # Overlap: each chunk starts inside the one before it.
    assert all(b.span[0] < a.span[1] for a, b in itertools.pairwise(chunks))


def test_chunk_citation_points_at_the_line_where_it_starts(encoder: Encoder) -> None:
    lines = [
        f"Line {i} says that stretching the hamstrings relieves some back pain for office workers." for i in range(40)
    ]
    text = " ".join(lines)
    starts = [sum(len(line) + 1 for line in lines[:i]) for i in range(40)]
    passage = Passage(text, (Citation("wrapped.txt", line=10),), line_starts=tuple(starts))
    chunks = chunks_from_plans(
        [passage], plan_chunks([passage], encoder.count_tokens, encoder.word_piece_offsets, 128, 1)
    )
    assert len(chunks) > 2
    for chunk in chunks:
        number = int(chunk.text.split()[1])
        assert chunk.citations[0].line == 10 + number
        assert chunk.citations[0].span == chunk.span


def test_sentence_longer_than_the_window_is_split(encoder: Encoder) -> None:
    text = "word " * 600 + "end"
    passages = [Passage(text, (Citation("x.txt", line=1),))]
    chunks = chunks_from_plans(
        passages, plan_chunks(passages, encoder.count_tokens, encoder.word_piece_offsets, 256, 1)
    )
    assert len(chunks) >= 3
    assert all(n + 2 <= 256 for n in encoder.count_tokens([c.embed_text for c in chunks]))


def test_fact_in_the_last_sentence_of_a_3000_word_paragraph_is_found(make_index) -> None:
    paragraph = (
        FILLER * 200
        + "Patients with piriformis syndrome benefit from a specific clamshell stretch held for thirty seconds."
    )
    assert len(paragraph.split()) > 3000
    index = make_index({"long.txt": paragraph + "\n", "other.txt": "Ice packs reduce swelling after a hip injury.\n"})
    hit = Searcher.load(index).search("what stretch helps piriformis syndrome?", k=1)[0]
    assert "piriformis syndrome benefit" in hit.text
    assert hit.citations[0].source == "long.txt"
    assert hit.citations[0].line == 1


def test_known_plans_are_reused_and_give_the_same_chunks(encoder: Encoder) -> None:
    passages = [
        Passage(FILLER * 12 + "Ice eases hip bursitis.", (Citation("a.txt", line=1),), title="Hips"),
        Passage("Sciatica is nerve pain in the leg.", (Citation("a.txt", line=2),)),
    ]

    def planner(todo: list[Passage]) -> list[ChunkPlan]:
        return plan_chunks(todo, encoder.count_tokens, encoder.word_piece_offsets, 64, 1)

    fresh, plans = chunk_with_planner(passages, planner)
    assert len(plans) == 2 and len(fresh) > 2
    counted: list[str] = []

    def counting(texts: list[str]) -> list[int]:
        counted.extend(texts)
        return encoder.count_tokens(texts)

    edited = Passage("Sciatica is nerve pain down the leg.", (Citation("a.txt", line=2),))

    def counting_planner(todo: list[Passage]) -> list[ChunkPlan]:
        return plan_chunks(todo, counting, encoder.word_piece_offsets, 64, 1)

    again, _ = chunk_with_planner([passages[0], edited], counting_planner, known=plans)
    assert again[:-1] == fresh[:-1]  # the first passage's chunks, from its plan
    assert again[-1].text == edited.text
    assert not any("Ice eases hip bursitis" in text for text in counted)  # its words were not counted again
