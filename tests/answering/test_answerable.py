"""Code's checks that on-topic sentences answer what is asked, and the fitted score
that weighs them."""

import numpy as np

from qa.answering.answerable import (
    ANSWERABILITY_FEATURES,
    CHECKS,
    answer_checks,
    answerable_probability,
    names_asked_post,
    names_counted,
    names_phrase,
    names_which,
    speaks_of_next,
    unseen_words,
    why_unanswered,
)
from qa.answering.evidence import Evidence, passage_sentences
from qa.answering.evidence_ranker import shipped_model
from qa.retrieval.question import analyse_question
from qa.types import Passage


def _quoted(*texts: str) -> list:
    passages = [
        Passage(id=f"p{n}", doc_id=f"p{n}", origin=f"p{n}.txt", title="T", text=text,
                original=text, start=0, end=len(text))
        for n, text in enumerate(texts)
    ]  # fmt: skip
    return passage_sentences(passages)


# Invented questions of the shapes the checks read.
NEXT_SUMMIT = "Одақтың келесі саммиті қашан және қай қалада өтеді?"
EMBASSIES = "Ержан Сәрсенов қай елдерде елші болып қызмет етті?"
SECRETARY_GENERAL = "Who was the OIC Secretary General during the Baku conference?"


def test_the_next_event_is_not_answered_by_a_past_one():
    past = _quoted("Аталған саммит 2017 жылдың қыркүйегінде Астанада өткен еді.")
    assert not speaks_of_next(NEXT_SUMMIT, past)
    assert speaks_of_next(NEXT_SUMMIT, _quoted("Келесі саммит 2026 жылы Бакуде өтпек."))
    assert speaks_of_next(NEXT_SUMMIT, _quoted("Алдағы саммитте жаңа жарғы қабылданады."))
    assert speaks_of_next("Which summit was held in Astana?", past)  # not about the next
    assert speaks_of_next("When is the next OIC summit?", _quoted("Саммит Бакуде өтетін болады."))
    assert not speaks_of_next("When is the next OIC summit?", past)


def test_which_ones_is_not_answered_by_several():
    vague = _quoted("Бірнеше елде елші болдым, 2013 жылы елге келгеннен кейін хатшы болдым.")
    assert not names_which(EMBASSIES, vague)
    assert names_which(EMBASSIES, _quoted("Ол Сауд Арабиясында және Египетте елші болды."))
    # One sentence that names them is enough.
    assert names_which(EMBASSIES, vague + _quoted("Мусинов Сауд Арабиясында елші болды."))
    # "Several" of another noun says nothing about the one asked.
    assert names_which(EMBASSIES, _quoted("Бірнеше жыл бойы Египетте елші болды."))
    assert names_which("Қазақстан ИЫҰ-ға қашан мүше болды?", vague)  # no "which"


def test_a_post_asked_in_english_or_russian_must_be_named_in_kazakh():
    state_secretary = _quoted(
        "ҚР мемлекеттік хатшысы және Сыртқы істер министрі Қ. Саудабаев бастама ұсынды."
    )
    general = _quoted("Сол кезде ИЫҰ Бас хатшысы Екмеледдин Ихсаноғлу болды.")
    assert not names_asked_post(SECRETARY_GENERAL, "en", state_secretary)
    assert names_asked_post(SECRETARY_GENERAL, "en", general)
    russian = "Кто был генеральным секретарём ОИС в 2011 году?"
    assert not names_asked_post(russian, "ru", state_secretary)
    assert names_asked_post(russian, "ru", general)
    # Not a post: "who are the authors" and questions that are not "who is".
    assert names_asked_post("Кто авторы статьи о вкладе Казахстана?", "ru", state_secretary)
    assert names_asked_post("What is the OIC?", "en", state_secretary)


def test_a_phrase_is_named_with_its_words_side_by_side_in_any_inflection():
    assert names_phrase("Бас хатшы", "ұйымның бас хатшысының орынбасары")
    assert not names_phrase("Бас хатшы", "ұйымның басшысы мен мемлекеттік хатшысы")
    assert not names_phrase("", "бас хатшы")


def test_a_sum_of_money_needs_an_amount_in_a_currency():
    dues = "Қазақстан ИЫҰ бюджетіне жыл сайын қанша жарна төлейді?"
    events = _quoted("2011 жылы Қазақстан екі жүзге жуық іс-шара өткізді.")
    assert not names_counted(dues, events)
    assert names_counted(dues, _quoted("Қазақстан жыл сайын 2 млн АҚШ долларын төлейді."))
    aid = "Сомалиге қанша көмек жиналды?"
    assert names_counted(aid, _quoted("Дағдарысты жоюға 350 млн. АҚШ долларын жұмылдырды."))
    # Counts of anything else, and "қанша болды", are not this check's business.
    assert names_counted("Оған неше мемлекет қатысты?", events)
    assert names_counted("ЖІӨ қанша болды?", events)


def test_a_noun_derived_from_the_asked_one_does_not_name_it():
    # The Secretariat (хатшылық) is not the Secretary General (Бас хатшы).
    question = "ИЫҰ-ның қазіргі Бас хатшысы кім?"
    secretariat = _quoted("ИЫҰ Бас хатшылығы мен бөлімшелерінің жұмысы жоғары деңгейде өтті.")
    assert "never name" in why_unanswered(question, secretariat, "kk")
    secretary = _quoted("Ұйымның Бас хатшысы Хисейн Брахим Таха мырза сөз сөйледі.")
    assert why_unanswered(question, secretary, "kk") == ""


def test_why_unanswered_gives_the_first_reason_or_nothing():
    past = _quoted("Аталған саммит 2017 жылдың қыркүйегінде Астанада өткен еді.")
    assert why_unanswered(NEXT_SUMMIT, past, "kk") == ("the passages name only past events")
    assert why_unanswered("Саммит қашан өтті?", past, "kk") == ""
    members = _quoted("Қазір ұйымға 57 мемлекет мүше.")
    assert "year or quantity" in why_unanswered("Қазақстан қай жылы мүше болды?", members, "kk")


def _evidence(*texts: str) -> Evidence:
    sentences = _quoted(*texts)
    return Evidence(sentences, np.full(len(sentences), 0.5), list(range(len(sentences))))


def test_a_failing_check_lowers_the_fitted_answerability():
    asked = analyse_question("Кітапхана қай жылы ашылды?")
    evidence = _evidence("Кітапхана қаланың орталығында ашылды.")
    passing = dict.fromkeys(CHECKS, True)
    weights = dict(zip(ANSWERABILITY_FEATURES, shipped_model().answerability_weights, strict=True))
    for name in CHECKS:
        failing = {**passing, name: False}
        lowered = answerable_probability(asked, evidence, failing)
        if weights[name] > 0.01:  # the checks the dev data taught to count
            assert lowered < answerable_probability(asked, evidence, passing), name


def test_a_question_word_no_sentence_has_is_unseen():
    evidence = _evidence("Кітапхана қаланың орталығында ашылды.")
    assert unseen_words(analyse_question("Кітапхана қашан ашылды?"), evidence.sentences) == 0
    asked = analyse_question("Кітапхананың директоры қашан тағайындалды?")
    assert unseen_words(asked, evidence.sentences) == 2  # директор, тағайындал


def test_why_unanswered_names_the_first_failing_check():
    past = _quoted("Аталған саммит 2017 жылдың қыркүйегінде Астанада өткен еді.")
    checks = answer_checks(NEXT_SUMMIT, past, "kk")
    assert not checks["future_spoken"] and checks["value_given"]
    assert why_unanswered(NEXT_SUMMIT, past, "kk") == CHECKS["future_spoken"]
