"""The fitted span ranker: its candidates, features, shipped model, and what it picks."""

import json

import numpy as np
import pytest

from qa.answering import span_ranker
from qa.answering.short_answer import short_answer
from qa.answering.span_ranker import (
    MAX_SPAN_WORDS,
    SPAN_FEATURES,
    SpanModel,
    SpanModelError,
    best_span,
    candidates,
    shipped_span_model,
    span_features,
)
from qa.retrieval.question import analyse_question

# Invented sentences, not from the corpus.
NAMED = "Ғалымдар шығарған жаңа бидай сорты «Алтын дән» деп аталады."
DEFINED = "Ауылдың ең биік тауы – Көктөбе, оның етегінде бұлақ бар."


def test_candidates_are_short_runs_that_do_not_cross_a_full_stop():
    found = candidates([(1, "Көл тартылды. Балық азайды, құстар кетті.")])
    texts = {c.text for c in found}
    assert {"Көл", "Көл тартылды", "Балық азайды", "құстар кетті"} <= texts
    assert "тартылды. Балық" not in texts and "тартылды Балық" not in texts
    assert all(c.end - c.start <= MAX_SPAN_WORDS for c in found)
    assert all(c.n == 1 and c.quote == 0 for c in found)


def test_features_read_the_dash_the_quotative_and_the_question_word_s_case():
    question = analyse_question("Сыйлықты кімге берді?")
    found, x = span_features(question, [(2, "Сыйлықты жас ақынға – Ерланға берді.")])
    row = dict(zip(SPAN_FEATURES, x[[c.text for c in found].index("Ерланға")], strict=True))
    assert row["after_dash"] == 1.0
    assert row["case_dative"] == 1.0 and row["case_agrees"] == 1.0
    assert row["right_given"] == 1.0  # "берді" is the question's verb
    named, y = span_features(analyse_question("Жаңа бидай сорты қалай аталады?"), [(1, NAMED)])
    quoted = dict(zip(SPAN_FEATURES, y[[c.text for c in named].index("Алтын дән")], strict=True))
    assert quoted["before_quotative"] == 1.0 and quoted["quoted"] == 1.0
    assert quoted["given_share"] == 0.0


def test_the_shipped_model_is_fitted_for_these_features():
    model = shipped_span_model()
    assert len(model.weights) == len(SPAN_FEATURES)
    assert 0.0 < model.show_from < 1.0
    assert model.fitted_on["sources"], "the model file says what it was fitted on"


def test_a_model_fitted_for_other_features_is_refused_with_the_command_to_refit():
    data = shipped_span_model().to_json()
    data["features"] = [*data["features"][:-1], "a feature this version lacks"]
    with pytest.raises(SpanModelError, match="fit_span_model"):
        SpanModel.from_json(json.loads(json.dumps(data)))


@pytest.mark.parametrize(
    ("question", "sentence", "answer"),
    [
        ("Жаңа бидай сорты қалай аталады?", NAMED, "Алтын дән"),
        ("Ауылдың ең биік тауы қандай?", DEFINED, "Көктөбе"),
        ("Мұражайды кім ашты?", "Мұражайды 1990 жылы өлкетанушы Асан Бекұлы ашты.", "Асан Бекұлы"),
    ],
)
def test_the_ranker_picks_the_words_that_answer_not_the_words_asked(question, sentence, answer):
    ranked = best_span(analyse_question(question), [(1, sentence)])
    assert ranked.candidate.text == answer
    assert 0.0 < ranked.probability < 1.0


def test_a_ranked_span_is_shown_only_from_the_model_s_threshold(monkeypatch):
    question, quotes = analyse_question("Жаңа бидай сорты қалай аталады?"), [(1, NAMED)]
    ranked = best_span(question, quotes)
    model = shipped_span_model()

    def threshold(show_from: float) -> None:
        fitted = SpanModel(model.mean, model.scale, model.weights, model.bias, show_from)
        monkeypatch.setattr(span_ranker, "shipped_span_model", lambda: fitted)

    threshold(ranked.probability / 2)
    shown = short_answer(question, quotes)
    assert shown is not None and shown.text == "Алтын дән" and shown.by == "ranker"
    threshold(min(1.0, ranked.probability * 1.5))
    assert short_answer(question, quotes) is None


def test_no_words_no_span():
    assert best_span(analyse_question("Не болды?"), [(1, "… — …")]) is None
    assert np.zeros(0).shape == shipped_span_model().probabilities(np.zeros((0, 3))).shape
