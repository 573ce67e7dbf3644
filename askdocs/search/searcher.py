"""Answer questions from a built index: `Searcher.load(folder).search(question, k)`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import Path

import numpy as np

from askdocs.cleaning import normalize
from askdocs.encoders import Encoder, load_encoder
from askdocs.errors import AskdocsError, IndexMismatchError, rebuild_hint
from askdocs.index import publication
from askdocs.index.build_folder import BuildReader, Manifest
from askdocs.index.loaded import LoadedIndex
from askdocs.index.recorded_encoder import recorded_encoder
from askdocs.index.sharded_loaded import ShardedIndex
from askdocs.records import Hit
from askdocs.search.filters import passage_kept, searched_chunks
from askdocs.search.listing import listed_hits
from askdocs.search.modes import MODES, Ranked, highlight_span
from askdocs.search.query import ParsedQuery, parse_query
from askdocs.search.retrieval import EXACT_SUBSET, Candidates, retrieve
from askdocs.search.source_table import SourceTable
from askdocs.settings import IndexSettings, RankingSettings

logger = logging.getLogger(__name__)

# Opens a build's files for questions: LoadedIndex, ShardedIndex, or a sharded build's remote shards.
OpenIndex = Callable[[Path, BuildReader, Manifest], LoadedIndex]

# How deep a search with phrases or exclusions looks for hits that pass them (candidates, at most).
MAX_NARROWED_DEPTH = 65_536
# The chunks left by the last few filters are kept (up to this many filters, each this many chunks).
CACHED_SUBSETS = 16
CACHED_SUBSET_CHUNKS = 200_000


class Searcher:
    """A loaded index and the encoder of its questions, answering through retrieval.py and modes.py."""

    def __init__(
        self,
        index_dir: Path,
        reader: BuildReader,
        manifest: Manifest,
        encoder: Encoder,
        ranking: RankingSettings | None = None,
        open_index: OpenIndex | None = None,
    ) -> None:
        self.index_dir = index_dir
        self.build = reader.build
        self.manifest = manifest
        # Query-time settings: these defaults, or what `load` or each `search` is given.
        self.ranking = ranking or RankingSettings()
        self.encoder = encoder
        # `open_index`: the build opened some other way (a sharded build served by Ray: serve/cluster/).
        self.index = (open_index or (ShardedIndex if manifest.shards else LoadedIndex))(index_dir, reader, manifest)
        self.index_settings: IndexSettings = self.index.settings
        # How the keyword index reads words (its languages), for the page's emphasis of question words.
        self.keyword_analysis = self.index.keywords.analysis
        # The files as filters read them, built on the first question with operators.
        self._source_table: SourceTable | None = None
        self._searched: dict[tuple[object, ...], np.ndarray | None] = {}
        self._last_subset: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def load(
        cls,
        index_dir: str | Path = "index",
        model: str | None = None,
        verify: bool = True,
        ranking: RankingSettings | None = None,
        open_index: OpenIndex | None = None,
    ) -> Searcher:
        """Load an index; `model`, when given, must be the one the index was built with; `open_index`,
        when given, opens the build's files instead of `LoadedIndex` or `ShardedIndex`.

        Should a new build be published while this one loads (its files may then be retired under
        it), the new one is loaded instead, once.
        """
        index_dir = Path(index_dir)
        token = publication.current_token(index_dir)
        try:
            return cls._load(index_dir, model, verify, ranking, open_index)
        except (AskdocsError, OSError, RuntimeError):
            if publication.current_token(index_dir) == token:
                raise
            logger.info("the build of %s changed while loading; loading the new one", index_dir)
            return cls._load(index_dir, model, verify, ranking, open_index)

    @classmethod
    def _load(
        cls,
        index_dir: Path,
        model: str | None,
        verify: bool,
        ranking: RankingSettings | None,
        open_index: OpenIndex | None,
    ) -> Searcher:
        """`load` for the build live now."""
        reader, manifest = publication.open_live(index_dir, verify=verify)
        if model is not None and model != manifest.model:
            raise IndexMismatchError(
                f"the index at {index_dir} was built with the model '{manifest.model}', not '{model}'; "
                f"run `python ingest.py --index {index_dir} --model {model}` to rebuild it with that model"
            )
        settings = manifest.index_settings(index_dir)
        # The int8 model and tokenizer the index recorded, without PyTorch; else the full model.
        encoder = recorded_encoder(reader, manifest) or load_encoder(manifest.model, settings.encoder)
        if encoder.kind != manifest.encoder:
            raise IndexMismatchError(
                f"the index at {index_dir} was built with the {manifest.encoder} encoder, but only "
                f"{encoder.kind} runs here (see the warning above); run "
                f"`python ingest.py --index {index_dir} --encoder {encoder.kind}` to rebuild it"
            )
        if encoder.dimension != manifest.dimension:
            raise IndexMismatchError(
                f"the model '{manifest.model}' gives {encoder.dimension}-dimensional vectors but the index holds "
                f"{manifest.dimension}: {rebuild_hint(index_dir)}"
            )
        return cls(index_dir, reader, manifest, encoder, ranking, open_index)

    def chunk_text(self, chunk_id: int) -> str:
        """The text of a stored chunk."""
        return self.index.chunk_text(chunk_id)

    def sources(self) -> list[str]:
        """Every source file the index cites, sorted."""
        return self.index.sources()

    def cites(self, source: str) -> bool:
        """Whether the index cites the corpus file `source` (a lookup, not a copy of `sources()`)."""
        return self.index.cites(source)

    def context(self, hit: Hit, before: int = 1, after: int = 1) -> list[tuple[str, bool]]:
        """The passages around a hit's first citation in its source, with a flag on the hit's own."""
        if not hit.citations or hit.citations[0].doc_id is not None:
            return []
        ids = self.index.source_passages(hit.citations[0].source)
        where = (ids == hit.passage_id).nonzero()[0]
        if not where.size:
            return []
        at = int(where[0])
        window = ids[max(0, at - before) : at + after + 1].tolist()
        return [(self.index.passages[pid].text, pid == hit.passage_id) for pid in window]

    def prepare_question(self, question: str) -> tuple[str, str | None]:
        """The question normalised and cut to the model's window, with a note when it was cut."""
        question = normalize(question)
        window = self.encoder.max_tokens - 2
        offsets = self.encoder.word_piece_offsets(question)
        if len(offsets) <= window:
            return question, None
        cut = question[: offsets[window - 1][1]]
        note = f"The question is longer than the model reads ({len(offsets)} word pieces); only its first {window} were used."
        return cut, note

    def search(
        self,
        question: str,
        k: int = 10,
        sources: Collection[str] | None = None,
        mode: str = "hybrid",
        highlight: bool = True,
        ranking: RankingSettings | None = None,
    ) -> list[Hit]:
        """The `k` best passages for a question, best first (one hit per passage).

        `sources`, when given, searches only the passages cited from those corpus files. `mode` is
        "hybrid" (the shipped ranking), "dense" or "keyword", the latter two for comparison.
        `highlight=False` skips marking the answering sentence (for bulk evaluation). `ranking`
        overrides the searcher's ranking settings for this question.
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {tuple(MODES)}, not {mode!r}")
        parsed = parse_query(question)
        if parsed.has_operators:
            return self._search_narrowed(parsed, k, sources, mode, highlight, ranking)
        strategy, ranking = MODES[mode], ranking or self.ranking
        question, _ = self.prepare_question(question)
        if not question or k <= 0 or not len(self.index.chunks):
            return []
        # Chosen files are searched within, not filtered after: their passages need not be among the
        # candidates from the whole index.
        within = None if sources is None else self.index.chunks_citing(sources)
        if within is not None and not within.size:
            return []
        query = self.encoder.encode_question(question)
        depth = max(ranking.candidates, k * 4)
        if within is None:  # shards served elsewhere are asked both first questions in one call
            self.index.start_question(question, query, depth, strategy.uses_dense, strategy.uses_keyword)
        found = retrieve(self.index, question, query, depth, strategy, within)
        ranked, scores = strategy.rank(self.index, question, query, found, ranking)
        return self._hits(found, ranked[:k], scores[:k], mode, query if highlight else None, ranking)

    def _hits(
        self,
        found: Candidates,
        ranked: Ranked,
        scores: np.ndarray,
        mode: str,
        query: np.ndarray | None,
        ranking: RankingSettings,
    ) -> list[Hit]:
        """The ranked passages as hits, in the mode's order; the answering sentence marked unless `query` is None."""
        strategy = MODES[mode]
        score_of = {passage: float(score) for (passage, _), score in zip(ranked, scores)}
        threshold = ranking.confidence_threshold
        confident = found.dense >= (threshold if threshold is not None else self.index.profile.confidence_threshold)
        hits = []
        ordered = strategy.order_hits(ranked, confident)
        self.index.prefetch([int(found.chunks[position]) for _, position in ordered])
        for passage_id, position in ordered:
            chunk_id = int(found.chunks[position])
            hits.append(
                Hit(
                    self.index.chunk_text(chunk_id),
                    score_of[passage_id],
                    list(self.index.chunks[chunk_id].citations),
                    confident=bool(confident[position]),
                    similarity=float(found.dense[position]) if strategy.reports_similarity else None,
                    passage_id=passage_id,
                    chunk_id=chunk_id,
                )
            )
        if query is not None:
            hits = [replace(h, highlight=highlight_span(self.index, h.chunk_id, h.text, query)) for h in hits]
        return hits

    def _searched_chunks(self, parsed: ParsedQuery, sources: Collection[str] | None) -> np.ndarray | None:
        """`filters.searched_chunks`, kept for the last few filters asked: a person narrows to a folder
        and asks several questions in it (3 ms of a 20 ms question at 1M chunks)."""
        if self._source_table is None:
            self._source_table = SourceTable(self.index)
        key = (parsed.types, parsed.folders, parsed.files, parsed.after, parsed.before, parsed.phrases)
        key += (None if sources is None else tuple(sorted(sources)),)
        if key not in self._searched:
            within = searched_chunks(self._source_table, parsed, sources)
            if within is not None and within.size > CACHED_SUBSET_CHUNKS:
                return within
            if len(self._searched) >= CACHED_SUBSETS:
                del self._searched[next(iter(self._searched))]
            self._searched[key] = within
        return self._searched[key]

    def _subset_vectors(self, within: np.ndarray | None) -> np.ndarray | None:
        """The stored vectors of a subset searched exactly, kept for the last subset only: reading
        10,000 scattered rows of a 1M-chunk index is 4 ms of a filtered question."""
        if within is None or within.size > EXACT_SUBSET:
            return None
        if self._last_subset is None or self._last_subset[0] is not within:
            self._last_subset = (within, np.asarray(self.index.chunk_vectors[within], dtype=np.float32))
        return self._last_subset[1]

    def _search_narrowed(
        self,
        parsed: ParsedQuery,
        k: int,
        sources: Collection[str] | None,
        mode: str,
        highlight: bool,
        ranking: RankingSettings | None,
    ) -> list[Hit]:
        """`search` for a question with operators: ranked within what its filters and phrases leave,
        each hit's passage checked for the phrases and exclusions (searching deeper while too few pass)."""
        strategy, ranking = MODES[mode], ranking or self.ranking
        within = self._searched_chunks(parsed, sources)
        if k <= 0 or not len(self.index.chunks) or (within is not None and not within.size):
            return []
        question, _ = self.prepare_question(parsed.question)
        if not question:
            return listed_hits(self.index, parsed, within, k)
        query = self.encoder.encode_question(question)
        vectors = self._subset_vectors(within)
        depth, reachable = max(ranking.candidates, k * 4), len(self.index.chunks) if within is None else within.size
        checked: dict[int, bool] = {}
        while True:
            found = retrieve(self.index, question, query, depth, strategy, within, vectors)
            ranked, scores = strategy.rank(self.index, question, query, found, ranking)
            kept = []
            # Checked best first, only until k pass: a passage's text is read when it could be a hit.
            for at, (pid, _) in enumerate(ranked):
                if pid not in checked:
                    checked[pid] = passage_kept(self.index.passages[pid].text, parsed)
                if checked[pid]:
                    kept.append(at)
                    if len(kept) == k:
                        break
            if len(kept) >= k or depth >= reachable or depth >= MAX_NARROWED_DEPTH:
                break
            depth *= 4
        chosen = [ranked[at] for at in kept]
        return self._hits(found, chosen, scores[kept], mode, query if highlight else None, ranking)
