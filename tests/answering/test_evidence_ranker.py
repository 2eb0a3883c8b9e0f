"""The fitted evidence ranker: its features, its shipped model, and what it ranks first."""

import json

import numpy as np
import pytest
from passages import passage as _passage

from qa.answering.evidence import Scorer, passage_sentences
from qa.answering.evidence_ranker import (
    FEATURES,
    EvidenceModel,
    EvidenceModelError,
    EvidenceRanker,
    features,
    shipped_model,
)
from qa.retrieval.question import analyse_question

# Invented sentences, not from the corpus.
LIBRARY = _passage(
    "library",
    "Қалалық кітапхана жаңа ғимаратқа көшті. Кітапхана 1987 жылы ашылған. "
    "Оқырмандар саны жыл сайын өсіп келеді.",
)
RIVER = _passage(
    "river",
    "Өзен көктемде жиі тасиды. Балықшылар жағада түнейді.",
)


@pytest.fixture(scope="module")
def ranker(corpus_index):
    return EvidenceRanker(Scorer(corpus_index.embedder, corpus_index.common_terms()))


def test_the_shipped_model_is_fitted_for_these_features():
    model = shipped_model()
    assert len(model.weights) == len(FEATURES)
    assert 0.0 < model.decline_below < 1.0
    assert model.fitted_on["sources"], "the model file says what it was fitted on"


def test_a_model_fitted_for_other_features_is_refused_with_the_command_to_refit():
    data = shipped_model().to_json()
    data["features"] = [*data["features"][:-1], "a feature this version lacks"]
    with pytest.raises(EvidenceModelError, match="fit_evidence_model"):
        EvidenceModel.from_json(json.loads(json.dumps(data)))


def test_a_year_question_ranks_the_sentence_with_the_year_first(ranker):
    asked = analyse_question("Кітапхана қай жылы ашылған?")
    sentences = passage_sentences([LIBRARY, RIVER])
    scores = ranker.scores(asked, sentences, ["Library", "River"])
    assert "1987" in sentences[int(np.argmax(scores))].text
    river = [i for i, s in enumerate(sentences) if s.passage == 1]
    assert scores[river].max() < ranker.model.decline_below <= scores.max()


def test_features_say_which_sentence_gives_the_asked_kind(ranker):
    asked = analyse_question("Кітапхана қай жылы ашылған?")
    sentences = passage_sentences([LIBRARY])
    rows = features(ranker.scorer, asked, sentences, ["Library"])
    assert rows.shape == (len(sentences), len(FEATURES))
    kind_span = rows[:, FEATURES.index("kind_span")]
    assert [bool(v) for v in kind_span] == ["1987" in s.text for s in sentences]
    # the best candidate is 0 below the best, the others more
    assert rows[:, FEATURES.index("cosine_below_best")].min() == 0.0


def test_no_sentences_no_scores(ranker):
    assert ranker.scores(analyse_question("Не болды?"), [], []).shape == (0,)


def _fit_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "scripts" / "fit_evidence_model.py"
    spec = importlib.util.spec_from_file_location("fit_evidence_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pairwise_fit_learns_which_feature_marks_the_answer():
    fit = _fit_script()
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(40):  # questions of 12 candidates; the answer has the highest "kind_span"
        x = rng.normal(size=(12, len(FEATURES)))
        answer = rng.integers(12)
        x[:, FEATURES.index("kind_span")] = 0.0
        x[answer, FEATURES.index("kind_span")] = 1.0
        y = np.zeros(12, dtype=bool)
        y[answer] = True
        rows.append((x, y, True))
    model = fit.fit([{"name": "made up", "rows": rows}], c=1.0)
    assert fit.top1(model, [{"name": "made up", "rows": rows}])["made up"] > 0.9
    strongest = FEATURES[int(np.argmax(np.abs(model.weights)))]
    assert strongest == "kind_span"
