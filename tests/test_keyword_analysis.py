"""index/keyword_analysis.py: per-language words, English exactly as before, CJK as character pairs."""

from __future__ import annotations

import bm25s
import Stemmer

from askdocs.index.keyword_analysis import KeywordAnalysis, paired


def test_english_words_are_exactly_bm25s_english_words() -> None:
    texts = ["What causes hip pain in older runners?", "Mattresses: a good night's sleep", ""]
    before = bm25s.tokenize(
        texts, stopwords="en_plus", stemmer=Stemmer.Stemmer("english"), return_ids=False, show_progress=False
    )
    assert KeywordAnalysis().passage_words(texts) == before


def test_each_passage_is_read_by_its_own_languages_rules() -> None:
    analysis = KeywordAnalysis(("de", "en"))
    texts = ["Die Pakete werden installiert", "das Paket", "The packages are installed"]
    plural, singular, english = analysis.passage_words(texts, ["de", "de", "en"])
    assert len(plural) == 2 and plural[0] == singular[0]  # "die", "werden", "das": German stop words; one stem
    assert english == ["packag", "instal"]


def test_a_language_the_index_was_not_built_for_falls_back_to_the_main_one() -> None:
    analysis = KeywordAnalysis(("fr",))
    assert analysis.passage_words(["Les paquets installés"], ["xx"]) == analysis.passage_words(
        ["Les paquets installés"], ["fr"]
    )


def test_a_question_is_read_by_every_language_of_the_index() -> None:
    analysis = KeywordAnalysis(("de", "en"))
    words = analysis.question_words("Pakete installieren packages")
    german, english = (
        analysis.words_in(["Pakete installieren packages"], "de")[0],
        analysis.words_in(["Pakete installieren packages"], "en")[0],
    )
    assert words == german + [w for w in english if w not in german]


def test_cjk_runs_become_overlapping_pairs() -> None:
    assert paired("apt を使います").split() == ["apt", "を使", "使い", "いま", "ます"]
    words = KeywordAnalysis(("ja",)).passage_words(["タイムゾーンを変更"])[0]
    assert words == ["タイ", "イム", "ムゾ", "ゾー", "ーン", "ンを", "を変", "変更"]
    assert KeywordAnalysis(("ja",)).question_words("時") == ["時"]  # a lone character is a word


def test_the_analysis_round_trips_through_json() -> None:
    analysis = KeywordAnalysis(("ja", "en"), "en")
    assert KeywordAnalysis.from_json(analysis.to_json()) == analysis
