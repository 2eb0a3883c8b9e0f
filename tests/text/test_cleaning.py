"""Cleaning on real snippets from the corpus: the text users see stays original."""

import unicodedata

import pytest

from qa.text.cleaning import (
    basic_normalise,
    clean_text,
    fix_lookalikes,
    join_line_break_hyphens,
    join_spelled_acronyms,
    join_split_words,
    vocabulary_of,
)


@pytest.fixture(scope="module")
def vocabulary(corpus_documents):
    return vocabulary_of(d.text for d in corpus_documents if d.script != "Arab")


def test_latin_schwa_becomes_cyrillic():
    # 001: "мəдениетінің" written with Latin ə (U+0259)
    assert fix_lookalikes("рухани  мəдениетінің") == "рухани  мәдениетінің"


def test_latin_i_inside_cyrillic_word():
    # 001: "жемiстi" and "Бiздiң" use Latin i (U+0069) for Kazakh і
    fixed = fix_lookalikes("ынтамақтастығы жемiстi дамуда. Бiздiң еліміздің")
    assert fixed == "ынтамақтастығы жемісті дамуда. Біздің еліміздің"
    assert "i" not in fixed


def test_latin_c_in_cyrillic_word():
    # 000: "стратегияcы" has a Latin c
    assert fix_lookalikes("модернизациялау стратегияcы") == "модернизациялау стратегиясы"


def test_english_words_and_acronyms_untouched():
    text = "«The role of social media» MINURSO UNIFIL"
    assert fix_lookalikes(text) == text


def test_cyrillic_lookalike_in_latin_name_goes_latin():
    # 000 credits "B. Shakeyеva" with a Cyrillic е
    assert fix_lookalikes("Shakeyеva") == "Shakeyeva"


def test_nfc():
    decomposed = unicodedata.normalize("NFD", "Қазақстан төрағалығы")
    assert basic_normalise(decomposed) == "Қазақстан төрағалығы"


def test_line_break_hyphenation_joined():
    # 000: "ис-\nлам өркениеті"
    assert join_line_break_hyphens("руха ни мə дениетінің ис-\nлам өркениеті") == (
        "руха ни мə дениетінің ислам өркениеті"
    )


def test_real_compound_keeps_its_hyphen(vocabulary):
    # 000: "іс-\nшараларды" is the compound іс-шара, seen unbroken elsewhere
    assert "іс-шараларды" in join_line_break_hyphens("жоспар бойынша іс-\nшараларды", vocabulary)


def test_reflowed_hyphen_with_spaces():
    # 001: "оппозия-  ны" (a PDF break flattened into spaces)
    assert join_line_break_hyphens("Сириядағы оппозия-  ны қолдап") == "Сириядағы оппозияны қолдап"


def test_split_words_rejoined(vocabulary):
    # 000: "Халқы мыздың руха ни мə дениетінің" and "Қа зақ стан"
    cleaned = clean_text("Халқы мыздың руха ни мə дениетінің ис-\nлам", vocabulary)
    assert cleaned == "Халқымыздың рухани мәдениетінің ислам"
    assert "Қазақстан" in clean_text("мем лекет ретінде Қа зақ стан əр уақытта", vocabulary)


def test_ordinary_word_pairs_not_merged(vocabulary):
    text = "Қазақстан мен ИЫҰ ынтымақтастығы"
    assert join_split_words(text, vocabulary) == text


def test_glued_sentences_split():
    # 001: "араласуда..Бүгінгі" and 003: "келесідей:.Бұл"
    assert clean_text("белсене араласуда..Бүгінгі ИЫҰ") == "белсене араласуда. Бүгінгі ИЫҰ"
    assert clean_text("алдында келесідей:.Бұл механизмдер") == "алдында келесідей: Бұл механизмдер"


def test_whitespace_collapsed():
    assert clean_text("Қазақстан  əр  уақытта\n\n  да") == "Қазақстан әр уақытта да"


def test_spelled_acronyms_joined():
    assert join_spelled_acronyms("қазақстанның и ы ұ- дағы рөлі") == "қазақстанның ИЫҰ-дағы рөлі"
    assert join_spelled_acronyms("қ р сыртқы істер") == "ҚР сыртқы істер"
