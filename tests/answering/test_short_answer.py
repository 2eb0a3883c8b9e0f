"""Short answers: a span copied from a cited sentence, of the kind the question asks for.

Every sentence here is invented for the test.
"""

from __future__ import annotations

import json

import pytest

from qa.answering.short_answer import (
    AnswerKind,
    adds_no_name,
    answer_kind,
    disagreeing,
    extract_span,
    fits_kind,
    short_answer,
    shown,
    span_in,
)
from qa.retrieval.question import analyse_question


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Зауыт қай жылы салынды?", AnswerKind.YEAR),
        ("В каком году построили завод?", AnswerKind.YEAR),
        ("Мұражай қашан ашылды?", AnswerKind.DATE),
        ("When did the museum open?", AnswerKind.DATE),
        ("Ауылда қанша үй бар?", AnswerKind.NUMBER),
        ("How many houses are there in the village?", AnswerKind.NUMBER),
        ("Жиналысты кім ашты?", AnswerKind.PERSON),
        ("Кто открыл собрание?", AnswerKind.PERSON),
        ("Көрме қайда өтті?", AnswerKind.PLACE),
        ("Where was the exhibition held?", AnswerKind.PLACE),
        ("Неліктен жол жабылды?", AnswerKind.REASON),
        ("Why was the road closed?", AnswerKind.REASON),
        ("Qazaqstan qai jyly mushe boldy?", AnswerKind.YEAR),
    ],
)
def test_the_kind_of_answer_is_read_from_the_question_words(question, kind):
    assert answer_kind(analyse_question(question)) is kind


def test_code_extracts_the_year_the_number_and_the_name():
    year = analyse_question("Зауыт қай жылы салынды?")
    assert extract_span(AnswerKind.YEAR, "Зауыт 1987 жылы салынды.", year) == "1987 жылы"
    count = analyse_question("Ауылда қанша үй бар?")
    assert extract_span(AnswerKind.NUMBER, "Бүгінде ауылда 350 үй бар.", count) == "350 үй"
    who = analyse_question("Жиналысты кім ашты?")
    sentence = "Мектептің директоры Асқар Бекұлы жиналысты ашты."
    assert extract_span(AnswerKind.PERSON, sentence, who) == "Асқар Бекұлы"


def test_a_name_the_question_gives_is_not_the_answer():
    question = analyse_question("Асқар Бекұлы кімге сыйлық берді?")
    sentence = "Асқар Бекұлы Дина Нұрова атты оқушыға сыйлық берді."
    assert extract_span(AnswerKind.PERSON, sentence, question) == "Дина Нұрова"


def test_a_number_the_question_states_is_not_the_answer():
    question = analyse_question("5-сыныпта қанша оқушы бар?")
    assert extract_span(AnswerKind.NUMBER, "5-сыныпта 28 оқушы бар.", question) == "28 оқушы"


def test_the_model_s_span_is_kept_only_when_it_stands_in_the_sentence_and_fits():
    question = analyse_question("Зауыт қай жылы салынды?")
    quotes = [(2, "Зауыт 1987 жылы салынды.")]

    def reply(span: str, sentence: int = 1):
        return lambda q, qs: json.dumps({"sentence": sentence, "answer": span})

    kept = short_answer(question, quotes, reply("1987 жылы"))
    assert kept is not None and (kept.span, kept.n, kept.by) == ("1987 жылы", 2, "model")
    # Invented by the model: code extracts the year from the sentence instead.
    invented = short_answer(question, quotes, reply("1990 жылы"))
    assert invented is not None and (invented.span, invented.by) == ("1987 жылы", "rule")
    # In the sentence, but no year: not the kind asked for.
    wrong_kind = short_answer(question, quotes, reply("Зауыт"))
    assert wrong_kind is not None and wrong_kind.by == "rule"
    # Not JSON, or a sentence number out of range: code again.
    assert short_answer(question, quotes, lambda q, qs: "1987").by == "rule"
    assert short_answer(question, quotes, reply("1987 жылы", sentence=5)).by == "rule"


def test_no_short_answer_for_a_reason_or_when_nothing_fits():
    why = analyse_question("Неліктен жол жабылды?")
    assert short_answer(why, [(1, "Жол қар жауғандықтан жабылды.")]) is None
    year = analyse_question("Зауыт қай жылы салынды?")
    assert short_answer(year, [(1, "Зауыт өзен жағасында салынды.")]) is None


def test_a_translation_is_shown_only_when_it_keeps_numbers_and_adds_no_name():
    question = analyse_question("How many houses are there in the village?")
    quotes = [(1, "Бүгінде ауылда 350 үй бар.")]

    def reply(translation: str):
        return lambda q, qs: json.dumps(
            {"sentence": 1, "answer": "350 үй", "translation": translation}
        )

    def same_numbers(source: str, translation: str) -> bool:
        return "350" in translation

    good = short_answer(question, quotes, reply("350 houses"), same_numbers)
    assert good.text == "350 houses (350 үй)"
    changed = short_answer(question, quotes, reply("530 houses"), same_numbers)
    assert changed.text == "350 үй"
    named = short_answer(question, quotes, reply("350 houses in Almaty and Taraz"), same_numbers)
    assert named.text == "350 үй"


def test_names_are_counted_not_compared_across_spellings():
    assert adds_no_name("Жибутиге", "to Djibouti")
    assert not adds_no_name("екі мемлекет", "two states: Kazakhstan and Azerbaijan")


def test_documents_that_disagree_give_both_short_answers_with_their_marks():
    question = analyse_question("Зауыт қай жылы салынды?")
    quotes = [(1, "Зауыт 1987 жылы салынды."), (3, "Құжатқа сәйкес зауыт 1989 жылы салынған.")]
    first = short_answer(question, quotes)
    both = [first, *disagreeing(question, quotes, first)]
    assert shown(both) == "1987 жылы [1]; 1989 жылы [3]"


def test_spans_are_compared_after_the_cleaning_normalisation():
    # Latin ə for Cyrillic ә, as one shipped document writes it.
    assert span_in("Әлем банкі", "Бұл жобаны Əлем банкі қаржыландырды.")
    assert not span_in("Азия банкі", "Бұл жобаны Əлем банкі қаржыландырды.")


def test_kinds_are_checked_by_what_the_span_holds():
    assert fits_kind("1987 жылы", AnswerKind.YEAR) and not fits_kind("жуырда", AnswerKind.YEAR)
    assert fits_kind("он екі үй", AnswerKind.NUMBER) and not fits_kind("көп үй", AnswerKind.NUMBER)
    assert fits_kind("Дина Нұрова", AnswerKind.PERSON) and not fits_kind("оқушы", AnswerKind.PERSON)


def test_who_a_named_person_is_gets_the_description_before_the_name():
    question = analyse_question("Дина Нұрова кім?")
    assert answer_kind(question) is AnswerKind.DEFINITION
    sentence = "Ауыл мектебінің директоры, тарих пәнінің мұғалімі Дина Нұрова жиналысты ашты."
    span = extract_span(AnswerKind.DEFINITION, sentence, question)
    assert span == "Ауыл мектебінің директоры, тарих пәнінің мұғалімі"


def test_the_best_sentence_decides_over_a_runner_up_the_model_picked():
    question = analyse_question("Ауылға қанша қаржы бөлінді?")
    quotes = [(1, "Ауылға 350 млн теңге бөлінді."), (2, "Көрші қалаға 200 млн теңге берілді.")]
    reply = json.dumps({"sentence": 2, "answer": "200 млн теңге"})
    picked = short_answer(question, quotes, lambda q, qs: reply)
    assert picked is not None and picked.span.startswith("350") and picked.by == "rule"


def test_a_span_must_stand_in_the_sentence_as_whole_words():
    assert not span_in("350 млн теңгес", "Ауылға 350 млн теңгесі бөлінді.")
    assert span_in("350 млн теңгесі", "Ауылға 350 млн теңгесі бөлінді.")


def test_a_list_question_gets_the_enumerated_names():
    question = analyse_question("Көрмеге қай қалалар қатысты?")
    assert answer_kind(question) is AnswerKind.LIST
    sentence = "Көрмеге облыс орталықтары Тараз, Шымкент, Түркістан және Қызылорда қатысты."
    span = extract_span(AnswerKind.LIST, sentence, question)
    assert span == "Тараз, Шымкент, Түркістан және Қызылорда"


def test_a_date_keeps_its_day_and_month_whatever_their_ending():
    question = analyse_question("Жиын қашан өтті?")
    sentence = "Жиын 2019 жылдың 5-6 қыркүйегінде өтті."
    assert extract_span(AnswerKind.DATE, sentence, question) == "2019 жылдың 5-6 қыркүйегінде"


def test_a_word_continuing_a_name_the_question_gives_is_no_answer():
    question = analyse_question("Жамбыл облысы кубокты қай қалаға берді?")
    sentence = "Былтыр Жамбыл Облысы кубокты Тараз қаласына берді."
    assert extract_span(AnswerKind.PLACE, sentence, question) == "Тараз"


def test_a_name_the_question_gives_at_the_start_of_the_sentence_is_continued_too():
    question = analyse_question("Жамбыл облысы кубокты қай қалаға берді?")
    sentence = "Жамбыл Облысы кубокты Тараз қаласына берді."
    assert extract_span(AnswerKind.PLACE, sentence, question) == "Тараз"
