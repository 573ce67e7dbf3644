"""languages.py: detection, a library's mix, and the model and keyword languages it gets."""

from __future__ import annotations

import pytest

from askdocs.languages import describe, detect_language, keyword_languages, language_shares, model_for
from askdocs.settings import DEFAULT_MODEL, MULTILINGUAL_MODEL

SAMPLES = {
    "en": "The network interfaces are configured in a file; restart the service after a change to apply it.",
    "de": "Die Netzwerkschnittstellen werden in einer Datei konfiguriert; nach einer Änderung startet man den Dienst neu.",
    "fr": "Les interfaces réseau sont configurées dans un fichier ; après une modification, on redémarre le service.",
    "es": "Las interfaces de red se configuran en un archivo; después de un cambio hay que reiniciar el servicio.",
    "ja": "ネットワークインターフェースはファイルで設定します。変更した後はサービスを再起動してください。設定は起動時に読み込まれます。",
}


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_a_paragraph_is_told_its_language(language: str) -> None:
    assert detect_language(SAMPLES[language]) == language


def test_too_little_text_has_no_language() -> None:
    assert detect_language("Table 3 | 12.5 | 7") == ""


def test_shares_are_by_characters_and_leave_undetected_text_out() -> None:
    shares = language_shares([("de", 300), ("en", 100), ("", 5000), ("de", 100)])
    assert shares == {"de": 0.8, "en": 0.2}
    assert describe(shares) == "German 80%, English 20%"
    assert language_shares([("", 10)]) == {} and describe({}) == "not detected"


def test_english_keeps_its_model_and_other_languages_or_a_mix_get_the_multilingual_one() -> None:
    assert model_for({"en": 1.0}) == DEFAULT_MODEL
    assert model_for({"en": 0.97, "de": 0.03}) == DEFAULT_MODEL  # a few misdetected or quoted passages
    assert model_for({"en": 0.9, "fr": 0.1}) == MULTILINGUAL_MODEL
    assert model_for({"ja": 1.0}) == MULTILINGUAL_MODEL
    assert model_for({}) == DEFAULT_MODEL


def test_a_library_near_the_line_keeps_its_model() -> None:
    mix = {"en": 0.96, "de": 0.04}
    assert model_for(mix, current=DEFAULT_MODEL) == DEFAULT_MODEL
    assert model_for(mix, current=MULTILINGUAL_MODEL) == MULTILINGUAL_MODEL
    assert model_for({"en": 0.99, "de": 0.01}, current=MULTILINGUAL_MODEL) == DEFAULT_MODEL


def test_keyword_languages_are_those_with_a_real_share() -> None:
    assert keyword_languages({"de": 0.9, "en": 0.09, "fr": 0.01}) == ["de", "en"]
    assert keyword_languages({}) == ["en"]
