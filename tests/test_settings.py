"""Settings: what a build holds (saved in its manifest) apart from how questions are ranked."""

from __future__ import annotations

from dataclasses import asdict, fields, replace

import pytest

from askdocs import IndexMismatchError, Settings
from askdocs.settings import RANKING_NAMES, IndexSettings, RankingSettings

RANKING = {
    "candidates",
    "keyword_weight",
    "keyword_full_terms",
    "passage_weight",
    "sentence_keyword_weight",
    "rerank_depth",
    "agreement_floor",
    "agreement_depth",
    "confidence_threshold",
}


def test_ranking_and_index_settings_do_not_overlap() -> None:
    ranking = {f.name for f in fields(RankingSettings)}
    index = {f.name for f in fields(IndexSettings)}
    assert ranking == RANKING == RANKING_NAMES
    assert not ranking & index
    assert Settings is IndexSettings  # the name the previous version exported


def test_settings_of_the_previous_version_are_read_without_their_ranking_keys() -> None:
    settings = replace(IndexSettings(), chunk_tokens=64, bm25_k1=0.2)
    previous = {**settings.to_json(), **asdict(RankingSettings(keyword_weight=0.9, candidates=7))}
    assert set(previous) > set(settings.to_json())
    assert IndexSettings.from_json(previous) == settings
    assert IndexSettings.from_json(settings.to_json()) == settings


def test_unknown_or_missing_index_settings_are_refused() -> None:
    with pytest.raises(IndexMismatchError, match="shingle_size"):
        IndexSettings.from_json({**IndexSettings().to_json(), "shingle_size": 3})
    missing = IndexSettings().to_json()
    del missing["chunk_tokens"]
    with pytest.raises(IndexMismatchError, match="chunk_tokens"):
        IndexSettings.from_json(missing)


def test_a_build_from_before_ocr_existed_reads_as_other_settings() -> None:
    older = IndexSettings().to_json()
    del older["ocr"], older["max_file_seconds"]
    settings = IndexSettings.from_json(older)
    assert settings.ocr is False and settings != IndexSettings()
