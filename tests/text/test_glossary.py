"""Question translation through the bilingual glossary (qa/glossary.py, qa/data/glossary.tsv).

Questions are real ones from corpus/gold.jsonl or written like them; the Kazakh terms
expected are the words the corpus documents use.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qa.answering.prompts import answer_messages, translate_prompt
from qa.text.glossary import (
    GlossaryError,
    acronyms,
    expand_acronyms,
    find_concepts,
    glossary_hints,
    kazakh_concepts,
    kazakh_terms,
    load_glossary,
    parse_glossary,
    translate_query,
)

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY_FILE = ROOT / "qa" / "text" / "data" / "glossary.tsv"
GOLD_ROWS = [
    json.loads(line)
    for line in (ROOT / "corpus" / "gold.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
KAZAKH_LETTERS = set("әғқңөұүһі")


def _tiny(*rows: str) -> tuple:
    return parse_glossary("kk\tru\ten\n" + "\n".join(rows) + "\n")


# --------------------------------------------------------------------------------------
# The glossary file
# --------------------------------------------------------------------------------------


def test_glossary_loads_with_at_least_250_valid_concepts() -> None:
    glossary = load_glossary()
    assert len(glossary) >= 250
    lines = GLOSSARY_FILE.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "kk\tru\ten"
    assert len(glossary) == sum(1 for line in lines[1:] if line.strip())
    for concept in glossary:
        assert concept.kk and all(term.strip() == term and term for term in concept.kk)
        assert concept.ru or concept.en, concept.line
        for pattern in concept.ru + concept.en:
            assert pattern == pattern.lower(), (concept.line, pattern)
            assert pattern.strip() == pattern and pattern, (concept.line, pattern)


def test_every_line_has_three_columns() -> None:
    for number, line in enumerate(GLOSSARY_FILE.read_text(encoding="utf-8").splitlines(), 1):
        assert line.count("\t") == 2, number


def test_kazakh_terms_are_cyrillic_with_kazakh_letters() -> None:
    glossary = load_glossary()
    for concept in glossary:
        for term in concept.kk:
            assert "ə" not in term.lower(), (concept.line, term)  # Latin schwa, not ә
    # Kazakh spelling, not Russian: the core terms use the Kazakh-only letters.
    terms = {term for concept in glossary for term in concept.kk}
    for term in ["ИЫҰ", "мүше", "төрағалық", "Қазақстан", "бітімгерлік", "Ақтау", "ЖІӨ"]:
        assert term in terms
        assert KAZAKH_LETTERS & set(term.lower())


def test_every_pattern_finds_its_own_concept() -> None:
    # No pattern is shadowed by another concept's pattern (the loader rejects duplicates).
    for concept in load_glossary():
        for language in ("ru", "en"):
            for pattern in getattr(concept, language):
                matches = find_concepts(pattern.replace("$", ""), language)
                assert [m.concept for m in matches] == [concept], (language, pattern)


def test_the_common_document_spellings_are_covered() -> None:
    terms = {term for concept in load_glossary() for term in concept.kk}
    for spelling in ["Джибути", "Джубитти", "Джибутти", "Дакка", "Дәккә", "Құдыс", "Миянма"]:
        assert spelling in terms


# --------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------


def test_a_row_without_three_columns_names_its_line() -> None:
    with pytest.raises(GlossaryError, match=r"glossary\.tsv:3: expected 3"):
        _tiny("мүше\tчлен\tmember", "ИЫҰ\tоис")


def test_an_empty_kazakh_cell_is_an_error() -> None:
    with pytest.raises(GlossaryError, match=r":2: the kk cell is empty"):
        _tiny("\tчлен\tmember")
    with pytest.raises(GlossaryError, match=r":2: the kk cell is empty"):
        _tiny("мүше||мүшелік\tчлен\tmember")


def test_a_row_without_patterns_or_cyrillic_is_an_error() -> None:
    with pytest.raises(GlossaryError, match="neither a ru nor an en pattern"):
        _tiny("мүше\t\t")
    with pytest.raises(GlossaryError, match="no Cyrillic"):
        _tiny("member\tчлен\tmember")


def test_a_bad_header_or_a_duplicate_pattern_is_an_error() -> None:
    with pytest.raises(GlossaryError, match=":1: the header"):
        parse_glossary("ru\tkk\ten\nмүше\tчлен\tmember\n")
    with pytest.raises(GlossaryError, match=r":3: ru pattern 'член' is already on line 2"):
        _tiny("мүше\tчлен\tmember", "мүшелік\tчлен\tmembership")
    with pytest.raises(GlossaryError, match="bad en pattern"):
        _tiny("мүше\tчлен\tmem$ber")


# --------------------------------------------------------------------------------------
# Matching rules
# --------------------------------------------------------------------------------------


def test_a_stem_matches_words_it_starts_and_nothing_inside_a_word() -> None:
    glossary = _tiny("мүше|мүшелік\tвступ|член\tjoin|member", "ислам\tис\tisl")
    assert kazakh_terms("Казахстан вступил в организацию", "ru", glossary) == [
        "мүше",
        "мүшелік",
    ]
    assert kazakh_terms("членство", "ru", glossary) == ["мүше", "мүшелік"]
    assert kazakh_terms("Дайте список", "ru", glossary) == []  # `ис` is inside "список"
    assert kazakh_terms("исламский мир", "ru", glossary) == ["ислам"]
    assert kazakh_terms("Kazakhstan joined; membership followed", "en", glossary) == [
        "мүше",
        "мүшелік",
    ]


def test_whole_word_patterns() -> None:
    glossary = _tiny("БҰҰ\tоон\tun$|united nations", "G20|Үлкен жиырмалық\tg-20\tg20|g-20")
    assert kazakh_terms("the UN mission", "en", glossary) == ["БҰҰ"]
    assert kazakh_terms("the UN's mission", "en", glossary) == ["БҰҰ"]
    assert kazakh_terms("under the mission", "en", glossary) == []
    # Single letters and numbers in a pattern match whole words only.
    assert kazakh_terms("G-20 summit", "en", glossary) == ["G20", "Үлкен жиырмалық"]
    assert kazakh_terms("Gabon 2011", "en", glossary) == ["2011"]


def test_longest_match_wins_and_words_count_once() -> None:
    glossary = _tiny(
        "СІМК|Сыртқы істер министрлері кеңесі\tсовет министр иностранн дел\t"
        "council of foreign ministers",
        "министр\tминистр\tminister",
        "кеңес\tсовет$|совета$|совете$\tcouncil",
        "сыртқы\tиностранн\tforeign",
    )
    assert kazakh_terms("в Совете министров иностранных дел", "ru", glossary) == [
        "СІМК",
        "Сыртқы істер министрлері кеңесі",
    ]
    assert kazakh_terms("the OIC Council of Foreign Ministers", "en", glossary) == [
        "СІМК",
        "Сыртқы істер министрлері кеңесі",
    ]
    assert kazakh_terms("министр иностранных", "ru", glossary) == ["министр", "сыртқы"]


def test_terms_come_in_question_order_without_duplicates() -> None:
    glossary = _tiny("ИЫҰ|ИКҰ\tоис\toic", "ИКҰ|ИЫҰ\tоик$\tislamic conference", "Сомали\tсомали\tx")
    assert kazakh_terms("ОИК и ОИС, Сомали, ОИС", "ru", glossary) == ["ИКҰ", "ИЫҰ", "Сомали"]


def test_other_languages_give_nothing() -> None:
    kazakh = "Қазақстан ИЫҰ-ға қай жылы мүше болды?"
    assert kazakh_terms(kazakh, "kk") == []
    assert kazakh_terms("Qazaqstan IIU-ga qai jyly mushe boldy?", "kk-latn") == []
    assert kazakh_terms("Когда Казахстан вступил в ОИС?", "de") == []
    assert translate_query(kazakh, "kk") == ""
    assert kazakh_terms("", "ru") == []
    assert translate_query("?!", "en") == ""


# --------------------------------------------------------------------------------------
# Real questions
# --------------------------------------------------------------------------------------


def test_when_did_kazakhstan_join_the_oic() -> None:
    terms = kazakh_terms("Когда Казахстан вступил в ОИС?", "ru")
    assert "мүше" in terms
    assert "ИЫҰ" in terms and "Ислам ынтымақтастық ұйымы" in terms
    assert "Қазақстан" in terms and "қашан" in terms
    assert terms.index("Қазақстан") < terms.index("мүше") < terms.index("ИЫҰ")
    assert kazakh_terms("When did Kazakhstan join the OIC?", "en") == terms


def test_money_raised_for_somalia() -> None:
    terms = kazakh_terms("How much money did Kazakhstan raise for Somalia?", "en")
    assert "Сомали" in terms
    assert {"қаржы", "қаражат", "доллар"} & set(terms)
    assert "жұмылдыру" in terms and "қанша" in terms


def test_who_is_askar_mussinov() -> None:
    terms = kazakh_terms("Who is Askar Mussinov?", "en")
    assert "Мусинов" in terms
    assert "кім" in terms
    assert "Мусинов" in kazakh_terms("Кто такой Аскар Мусинов?", "ru")


def test_translate_query_joins_the_terms() -> None:
    question = "Кому Казахстан передал председательство в СМИД ОИС?"
    query = translate_query(question, "ru")
    assert query == " ".join(kazakh_terms(question, "ru"))
    assert "СІМК" in query and "төрағалық" in query and "ИЫҰ" in query


@pytest.mark.parametrize(
    ("question", "language", "expected"),
    [
        ("Сколько государств сейчас являются членами ОИС?", "ru", ["қанша", "мүше", "ИЫҰ"]),
        (
            "Где и когда Организация Исламской конференции была переименована в "
            "Организацию исламского сотрудничества?",
            "ru",
            ["ИКҰ", "атауын ауыстыру", "ИЫҰ"],
        ),
        (
            "Сколько средств удалось мобилизовать на преодоление гуманитарного кризиса в Сомали?",
            "ru",
            ["қаражат", "жұмылдыру", "гуманитарлық дағдарыс", "Сомали"],
        ),
        (
            "Какие направления экономического сотрудничества в рамках ОИС определил Казахстан?",
            "ru",
            ["экономикалық ынтымақтастық", "бағыт"],
        ),
        ("Какие рабочие языки у ОИС?", "ru", ["жұмыс тілі", "ИЫҰ"]),
        (
            "Какие три принципа международных отношений подчеркнул Токаев на "
            "Генеральной Ассамблее ООН?",
            "ru",
            ["үш", "қағидат", "Тоқаев", "Бас Ассамблея", "БҰҰ"],
        ),
        (
            "В какой миссии ООН казахстанские военные участвуют с 2018 года?",
            "ru",
            ["миссия", "БҰҰ", "қазақстандық", "әскери", "2018"],
        ),
        (
            "Сколько голосов получил Бангладеш на выборах заместителя генсека ОИС?",
            "ru",
            ["дауыс", "Бангладеш", "сайлау", "Бас хатшының орынбасары"],
        ),
        ("А в каком месяце и году это произошло?", "ru", ["айында", "жыл"]),
        (
            "When did Kazakhstan first take part in a UN peacekeeping mission, and where?",
            "en",
            ["қашан", "алғаш", "БҰҰ", "бітімгерлік"],
        ),
        (
            "How much money did Kazakhstan allocate for the needs of Syrian refugees?",
            "en",
            ["қаражат", "бөлді", "Сирия", "босқын"],
        ),
        ("What is Askar Mussinov's position at the OIC?", "en", ["Мусинов", "лауазым"]),
        (
            "Why did Kazakhstan's chairmanship of the OIC Council of Foreign Ministers "
            "last a year and a half?",
            "en",
            ["неліктен", "төрағалық", "СІМК", "бір жарым"],
        ),
        ("Which OIC member states have the largest GDP?", "en", ["мүше мемлекеттер", "ЖІӨ"]),
        ("What was the combined GDP of OIC member states in 2009?", "en", ["ЖІӨ", "2009"]),
        (
            "What is the full title of the OIC Ten-Year Programme of Action?",
            "en",
            ["толық атауы", "Іс-әрекеттердің онжылдық бағдарламасы"],
        ),
        (
            "Which Russian regions with Muslim majorities are mentioned in the Mussinov interview?",
            "en",
            ["Ресей", "мұсылман", "Мусинов", "сұхбат"],
        ),
        ("Who gave Kazakhstan the chair after Djibouti?", "en", ["Джибути", "Джубитти"]),
        ("Какие товары Казахстан экспортирует: пшеницу, нефть?", "ru", ["экспорт", "бидай"]),
    ],
)
def test_real_questions(question: str, language: str, expected: list[str]) -> None:
    terms = kazakh_terms(question, language)
    missing = [term for term in expected if term not in terms]
    assert not missing, (missing, terms)


def test_every_russian_and_english_gold_question_gets_kazakh_terms() -> None:
    rows = [row for row in GOLD_ROWS if row["lang"] in ("ru", "en")]
    assert rows
    for row in rows:
        terms = kazakh_terms(row["question"], row["lang"])
        content = [t for t in terms if not re.fullmatch(r"\d+", t)]
        assert len(content) >= 2, (row["id"], terms)
        assert any(KAZAKH_LETTERS & set(t.lower()) for t in content), (row["id"], terms)
    for row in GOLD_ROWS:
        if row["lang"].startswith("kk"):
            assert kazakh_terms(row["question"], row["lang"]) == []


def test_concepts_keep_each_concept_s_variants_together() -> None:
    glossary = _tiny("мүше|мүшелік\tвступ|член\tjoin|member", "ислам\tисламск\tislamic")
    groups = kazakh_concepts(
        "Когда Казахстан вступил в исламскую организацию в 1995?", "ru", glossary
    )
    assert groups == [("мүше", "мүшелік"), ("ислам",), ("1995",)]
    # A concept met twice is one group; the flat terms are the groups joined.
    assert kazakh_concepts("member and member", "en", glossary) == [("мүше", "мүшелік")]
    assert kazakh_terms("Kazakhstan joined in 1995", "en", glossary) == ["мүше", "мүшелік", "1995"]


def test_hints_give_a_kazakh_text_s_terms_in_the_reader_s_language() -> None:
    text = (
        "Тоқаев үш қағидатқа – егемендік теңдігіне, аумақтық тұтастыққа және бейбіт қатар "
        "өмір сүруге қайта оралудың маңызын атап өтті"
    )
    russian = dict(glossary_hints(text, "ru"))
    assert russian["аумақтық тұтастық"] == "территориальн целостност"
    assert russian["егемендік теңдігі"] == "суверенн равенств"
    english = glossary_hints(text, "en")
    assert ("бейбіт қатар өмір сүру", "peaceful coexistence") in english
    # The longest terms first: they say most, and the list is cut at `most`.
    lengths = [len(term.split()) for term, _ in english]
    assert lengths == sorted(lengths, reverse=True)
    assert len(glossary_hints(text, "en", most=2)) == 2
    assert glossary_hints(text, "kk") == []


def test_the_translation_prompt_carries_the_hints() -> None:
    prompt = translate_prompt(
        "Қазақстан экономикалық ынтымақтастықтың 4 бағытын анықтады – сауда, транспорт", "ru"
    )
    assert "сауда = торгов" in prompt
    assert "Russian translation:" in prompt


def test_a_russian_answer_prompt_carries_the_passages_terms_and_a_kazakh_one_none() -> None:
    passages = ["мәселен, иыұ- да бірінші - араб тілі, екінші - ағылшын тілі"]
    russian = answer_messages("Какие рабочие языки у ОИС?", passages, "ru")[-1].content
    assert "Dictionary (Kazakh = Russian):" in russian
    assert "ағылшын тілі = английск" in russian
    kazakh = answer_messages("ИЫҰ-ның жұмыс тілдері қандай?", passages, "kk")[-1].content
    assert "Dictionary" not in kazakh and "=" not in kazakh


def test_acronyms_are_the_capital_terms_whose_concept_spells_them_out() -> None:
    found = acronyms()
    assert found["ИЫҰ"] == "Ислам ынтымақтастық ұйымы"
    assert found["СІМК"] == "Сыртқы істер министрлері кеңесі"
    assert found["ЕҚЫҰ"].startswith("Еуропадағы қауіпсіздік және")  # "және" has no letter
    assert "ҚР" not in found  # its concept names no "Қ… Р…" words


@pytest.mark.parametrize(
    ("text", "expanded"),
    [
        ("Қазақстан ИЫҰ-ға мүше болды", "Қазақстан Ислам ынтымақтастық ұйымы мүше болды"),
        ("и ы ұ-ның жұмыс тілдері", "Ислам ынтымақтастық ұйымы жұмыс тілдері"),
        ("ҚРСІМ жауапты хатшысы", "ҚРСІМ жауапты хатшысы"),  # part of another word
        ("ИЫҰ.", "Ислам ынтымақтастық ұйымы."),
    ],
)
def test_expand_acronyms_spells_them_out_without_their_ending(text: str, expanded: str) -> None:
    assert expand_acronyms(text) == expanded
