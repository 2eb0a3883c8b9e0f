"""Which sentences answer the question: features of each candidate, and fitted weights.

Every sentence of the passages the search returned is described by the measures below
(`FEATURES`). A linear ranker fitted on dev questions (the shipped gold set's `dev` part
and KazQAD's: within a question, each sentence holding the gold evidence against each
that does not) and Platt-scaled turns them into the probability that the sentence
answers. The weights, and the answerability score's (qa.answering.answerable) with its
threshold, live in `data/evidence_model.json`, written by `scripts/fit_evidence_model.py`;
nothing here is tuned by hand.

Two kinds of feature: how much the sentence shares with the question (embedding cosine,
stems and glossary concepts, the question's numbers and names), and whether it has what
the question asks for (a year for "қай жылы", a name for "кім", a reason for "неге": a
span of that kind can be copied from it). Each similarity is given twice, as is and
against the best candidate of the question: what matters is being the best of the lot.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.answering.evidence import (
    ABOUT_THE_TEXT,
    ASKS_ABOUT_THE_TEXT,
    ASKS_REASON,
    Scorer,
    asked_predicate,
    asks_for_number,
    definition_of_asked,
    description_of_asked,
    gives_reason,
    matches_stem,
    numbers_in,
)
from qa.answering.linear_model import LinearModel, read_model_file
from qa.answering.short_answer import AnswerKind, answer_kind, extract_span
from qa.retrieval.question import Question
from qa.text.lexical import tokenize
from qa.text.units import Sentence

MODEL_VERSION = 2

FEATURES = (
    "cosine",  # embedding cosine of question and sentence
    "cosine_below_best",  # how far below the question's best candidate
    "overlap",  # IDF-weighted share of the question's stems (or concepts), with the sentence before
    "overlap_below_best",
    "own_overlap",  # the same share in the sentence alone
    "own_overlap_rank",  # 1 / its rank among the candidates by own_overlap
    "cosine_rank",  # 1 / its rank among the candidates by cosine
    "previous_overlap",  # own_overlap of the sentence before it in its passage (0: none)
    "next_overlap",  # own_overlap of the sentence after it
    "length",  # log(1 + its words): long sentences share more words by chance
    "numbers_found",  # share of the question's numbers stated ("39-сессиясы")
    "missing_names",  # the question's names its passage never mentions
    "about_the_text",  # "Осы мақала …" when the question is not about the article
    "number_for_number",  # a number where one is asked for
    "describes_person",  # "саясаттанушы Риззат Тасым" for "Риззат Тасым кім?"
    "reason_for_reason",  # "себебі …" for "неге?"
    "defines_noun",  # "жаңалығы – …" for "жаңалығы неде?"
    "predicate_named",  # the question's last verb or noun ("құрылды") in the sentence
    "kind_span",  # a span of the asked kind can be copied from the sentence
    "kind_unknown",  # the question's kind is OTHER (kind_span then says nothing)
    "new_names",  # log(1 + its capitalised words the question lacks): a name can answer
    "passage_reciprocal_rank",  # 1 / rank of its passage in the search
    "first_of_passage",  # the passage's first sentence (often a title or a lead)
)


class EvidenceModelError(RuntimeError):
    """The evidence model file is missing or was fitted for other features."""


@dataclass(frozen=True)
class EvidenceModel(LinearModel):
    """Two fitted logistic regressions: the ranker over `FEATURES`, and the answerability
    score over the best sentence's probability and the checks of what would be quoted
    (qa.answering.answerable), with the threshold below which Kenes declines."""

    answerability_features: tuple[str, ...] = ()
    answerability_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    answerability_bias: float = 0.0
    decline_below: float = 0.0  # answerability below this: decline
    fitted_on: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            **self.linear_json(MODEL_VERSION, FEATURES),
            "answerability": {
                "features": list(self.answerability_features),
                "weights": self.answerability_weights.round(6).tolist(),
                "bias": round(self.answerability_bias, 6),
                "decline_below": round(self.decline_below, 6),
            },
            "fitted_on": self.fitted_on,
        }

    @classmethod
    def from_json(cls, data: dict) -> EvidenceModel:
        if not cls.fits(data, MODEL_VERSION, FEATURES):
            raise EvidenceModelError(
                "the evidence model was fitted for other features than this version of Kenes "
                "computes: refit it with `python scripts/fit_evidence_model.py`"
            )
        answerability = data["answerability"]
        return cls(
            **cls.linear_fields(data),
            answerability_features=tuple(answerability["features"]),
            answerability_weights=np.array(answerability["weights"]),
            answerability_bias=float(answerability["bias"]),
            decline_below=float(answerability["decline_below"]),
            fitted_on=data.get("fitted_on", {}),
        )

    def answerability(self, values: dict[str, float]) -> float:
        """The probability that the evidence answers, from the named `values`."""
        if set(values) != set(self.answerability_features):
            raise EvidenceModelError(
                "the answerability model was fitted for other checks than this version of "
                "Kenes makes: refit it with `python scripts/fit_evidence_model.py`"
            )
        x = np.array([values[name] for name in self.answerability_features])
        return float(
            1.0 / (1.0 + np.exp(-(x @ self.answerability_weights + self.answerability_bias)))
        )


MODEL_FILE = "evidence_model.json"


@functools.cache
def shipped_model() -> EvidenceModel:
    """The model fitted on the dev questions, shipped in the package."""
    return EvidenceModel.from_json(
        read_model_file(MODEL_FILE, "evidence model", "fit_evidence_model.py", EvidenceModelError)
    )


def features(
    scorer: Scorer, asked: Question, sentences: Sequence[Sentence], titles: Sequence[str]
) -> np.ndarray:
    """One row of `FEATURES` per sentence (`Sentence.passage` is its passage's search rank)."""
    n = len(sentences)
    if not n:
        return np.zeros((0, len(FEATURES)))
    question = asked.match_text
    read = scorer.parts(
        question,
        sentences,
        language=asked.language,
        alternate=asked.kazakh_terms,
        window=True,
        concepts=asked.kazakh_concepts,
        titles=titles,
        question=True,
    )
    texts = [s.text for s in sentences]
    kind = answer_kind(asked)
    columns = {
        "cosine": read.cosine,
        "cosine_below_best": read.cosine.max() - read.cosine,
        "overlap": read.overlap,
        "overlap_below_best": read.overlap.max() - read.overlap,
        "own_overlap": read.own_overlap,
        "own_overlap_rank": _reciprocal_rank(read.own_overlap),
        "cosine_rank": _reciprocal_rank(read.cosine),
        "previous_overlap": _neighbour(sentences, read.own_overlap, -1),
        "next_overlap": _neighbour(sentences, read.own_overlap, +1),
        "length": np.log1p([len(t.split()) for t in texts]),
        "numbers_found": read.numbers_found,
        "missing_names": read.missing_names,
        "about_the_text": _flags(texts, _about_the_text(question)),
        "number_for_number": _flags(texts, asks_for_number(question) and numbers_in),
        "describes_person": _flags(texts, description_of_asked(question)),
        "reason_for_reason": _flags(texts, ASKS_REASON.search(question) and gives_reason),
        "defines_noun": _flags(texts, definition_of_asked(question)),
        "predicate_named": _flags(texts, _names_predicate(question)),
        "kind_span": _flags(
            texts,
            kind is not AnswerKind.OTHER and (lambda t: extract_span(kind, t, asked) is not None),
        ),
        "kind_unknown": np.full(n, float(kind is AnswerKind.OTHER)),
        "new_names": np.log1p([len(_new_names(t, asked)) for t in texts]),
        "passage_reciprocal_rank": np.array([1.0 / (s.passage + 1) for s in sentences]),
        "first_of_passage": np.array(
            [
                float(i == 0 or sentences[i - 1].passage != s.passage)
                for i, s in enumerate(sentences)
            ]
        ),
    }
    return np.column_stack([columns[name] for name in FEATURES]).astype(np.float64)


_CAPITALISED = re.compile(r"(?<![\w-])[A-ZА-ЯӘҒҚҢӨҰҮҺІЁ][\w-]+")


def _new_names(text: str, asked: Question) -> set[str]:
    """Capitalised words of `text` (but its first) whose stems the question lacks:
    "Семенов Тян-Шанский" in an answer to "Тянь-Шань тауларын қай саяхатшы зерттеген?"."""
    given = set(asked.tokens)
    found = set()
    for match in _CAPITALISED.finditer(text):
        stems = tokenize(match.group())
        if match.start() > 0 and stems and not any(matches_stem(t, given) for t in stems):
            found.add(match.group())
    return found


def _reciprocal_rank(values: np.ndarray) -> np.ndarray:
    """1 for the highest value, 1/2 for the next; ties share the better rank."""
    return 1.0 / (1 + (values[None, :] > values[:, None]).sum(axis=1))


def _neighbour(sentences: Sequence[Sentence], values: np.ndarray, step: int) -> np.ndarray:
    """Each sentence's neighbour's value, in the same passage (0 where it has none)."""
    out = np.zeros(len(sentences))
    for i, sentence in enumerate(sentences):
        j = i + step
        if 0 <= j < len(sentences) and sentences[j].passage == sentence.passage:
            out[i] = values[j]
    return out


def _flags(texts: Sequence[str], test) -> np.ndarray:
    """1.0 where `test` (a callable, or a falsy value for none) holds of the text."""
    if not test:
        return np.zeros(len(texts))
    return np.array([float(bool(test(t))) for t in texts])


def _about_the_text(question: str):
    if ASKS_ABOUT_THE_TEXT.search(question):
        return None
    return ABOUT_THE_TEXT.search


def _names_predicate(question: str):
    predicate = asked_predicate(question)
    if not predicate:
        return None
    return lambda text: matches_stem(predicate, set(tokenize(text)))


class EvidenceRanker:
    """The probability that each candidate sentence answers the question."""

    def __init__(self, scorer: Scorer, model: EvidenceModel | None = None) -> None:
        self.scorer = scorer
        self.model = model or shipped_model()

    def scores(
        self, asked: Question, sentences: Sequence[Sentence], titles: Sequence[str]
    ) -> np.ndarray:
        """Each sentence's probability of answering the question."""
        return self.model.probabilities(features(self.scorer, asked, sentences, titles))
