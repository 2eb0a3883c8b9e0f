"""Language and query-variant detection on real questions (corpus/gold.jsonl) and on
sentences from the corpus documents."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.text.language import detect_language, query_variant
from qa.text.transliterate import detect_script

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
GOLD_ROWS = [
    json.loads(line)
    for line in (CORPUS / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Kazakh Cyrillic, with Kazakh-only letters
        ("Қазақстан ИЫҰ Сыртқы істер министрлері кеңесіндегі төрағалықты қай елге тапсырды?", "kk"),
        ("Тәуелсіздік алған сәттен бастап Қазақстан сыртқы саясатта өз жолын айқын таңдады.", "kk"),
        # Kazakh Cyrillic with none of them: told by its function words
        ("Риззат Тасым кім?", "kk"),
        ("Ал 2009 жылы ше?", "kk"),
        ("Ол кезде не болды?", "kk"),
        # Russian (the abstract at the end of oic-ten-year-programme-contribution.txt)
        ("Данная статья рассматривает роль Казахстана в председательстве в ОИС СМИД.", "ru"),
        ("Сколько государств сейчас являются членами ОИС?", "ru"),
        ("Казахстан", "ru"),
        # English
        ("When did Kazakhstan join the OIC?", "en"),
        ("This article considers the role of Kazakhstan in the chairmanship of the OIC.", "en"),
        # Kazakh in Latin letters, official and informal
        ("Qazaqstan BŪŪ-nyñ bıtımgerlık missiiasyna alğaş ret qai jyly qatysty?", "kk"),
        ("Qazaqstan IIU-ga qai jyly mushe boldy?", "kk"),
        # Kazakh in Arabic script (the interview)
        ("ۇيىم 1969 -جىلى قۇرىلدى، جاقىندا ەلۋ جىل تولادى.", "kk"),
        # no letters: the corpus language
        ("2011", "kk"),
    ],
)
def test_detect_language(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_latin_schwa_in_pdf_text_is_kazakh() -> None:
    # oic-chairmanship-priorities-economy.txt writes ә as Latin ə
    assert detect_language("ИКҰ жəне ЕҚЫҰ арасындағы байланыстар") == "kk"
    assert detect_language("Ол жəне біз") == "kk"


@pytest.mark.parametrize("row", GOLD_ROWS, ids=[row["id"] for row in GOLD_ROWS])
def test_gold_question_variants(row: dict) -> None:
    variant, cyrillic = query_variant(row["question"])
    assert variant == row["lang"]
    assert detect_language(row["question"]) == row["lang"].split("-")[0]
    if variant.startswith("kk"):
        assert detect_script(cyrillic) == "Cyrl"
    else:
        assert cyrillic == row["question"]  # Russian and English stay as typed


def test_gold_set_has_every_variant() -> None:
    assert {row["lang"] for row in GOLD_ROWS} == {"kk", "ru", "en", "kk-latn", "kk-arab"}


@pytest.mark.parametrize(
    ("question", "variant", "cyrillic"),
    [
        (
            "Qazaqstan IIU-ga qai jyly mushe boldy?",
            "kk-latn",
            "Қазақстан ИЫҰ-ға қай жылы мүше болды?",
        ),
        (
            "Islam yntymaqtastygy uiymy qai jyly quryldy?",
            "kk-latn",
            "Ислам ынтымақтастығы ұйымы қай жылы құрылды?",
        ),
        (
            "UNIFIL missiiasy qai elde ornalasqan?",
            "kk-latn",
            "UNIFIL миссиясы қай елде орналасқан?",
        ),
        (
            "يسلام ىنتىماقتاستىعى ۇيىمى قاي جىلى قۇرىلدى؟",
            "kk-arab",
            "ислам ынтымақтастығы ұйымы қай жылы құрылды?",
        ),
        ("ءقازىر ۇيىمعا قانشا مەملەكەت مۇشە؟", "kk-arab", "қазір ұйымға қанша мемлекет мүше?"),
        ("Ислам ынтымақтастығы ұйымы қай жылы құрылды?", "kk", None),
        ("Какие рабочие языки у ОИС?", "ru", None),
        ("What is Askar Mussinov's position at the OIC?", "en", None),
    ],
)
def test_query_variant(question: str, variant: str, cyrillic: str | None) -> None:
    assert query_variant(question) == (variant, cyrillic or question)
