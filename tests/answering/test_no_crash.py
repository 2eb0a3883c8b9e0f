"""No crash on real text: the whole extractive answer path over every kind of input.

Every sentence of the shipped corpus is asked as a question, then odd inputs (a number,
one word, punctuation only, mixed scripts, a pasted document). Each must give an Answer
(declined or cited) or, where nothing can be searched, the clear QuestionError; any other
exception fails. Some asks run with the evidence scorer's embedding cache shrunk so that
it evicts inside every ask: on real text, more sentences than the cache holds once
crashed the lookup (KeyError).
"""

from __future__ import annotations

import numpy as np
import pytest

from qa.answering import evidence
from qa.answering.assistant import Assistant
from qa.answering.evidence import Scorer
from qa.retrieval.question import QuestionError
from qa.text.chunking import split_sentences
from qa.types import Answer

SMALL_CACHE = 32  # vectors; one ask scores more sentences than this
# The shipped corpus has 426 sentences. A fixed, deterministic sample keeps the run
# short and still goes through every document from start to end: every 4th sentence
# with the normal cache, and every 20th with the small one, where each ask re-embeds
# all its sentences (about 1.3 s of CPU an ask, measured).
SENTENCE_STRIDE = 4
SMALL_CACHE_STRIDE = 20


@pytest.fixture
def small_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evidence, "_CACHE_SIZE", SMALL_CACHE)


@pytest.fixture(scope="module")
def extractive(corpus_index) -> Assistant:
    return Assistant(corpus_index, llm="extractive")


def _check(answer: object, question: str) -> None:
    assert isinstance(answer, Answer), question
    if answer.refused:
        assert answer.citations == [], question
    else:
        assert answer.text.strip() and answer.citations, question
        given = {p.id for p in answer.passages}
        assert all(c.passage_id in given for c in answer.citations), question


def _corpus_sentences(documents, stride: int, first: int = 0) -> list[str]:
    """Every stride-th sentence of each document from its `first`, in order."""
    sample = []
    for document in documents:
        spans = split_sentences(document.text)[first::stride]
        assert spans, document.origin  # every document is sampled
        sample += [document.text[span.start : span.end] for span in spans]
    return sample


def test_corpus_sentences_asked_as_questions(extractive, corpus_documents):
    _ask_all(extractive, _corpus_sentences(corpus_documents, SENTENCE_STRIDE))


def test_corpus_sentences_with_a_cache_that_evicts_in_every_ask(
    extractive, corpus_documents, small_cache
):
    # From the 3rd sentence on: none of these was asked above, so nothing is cached.
    _ask_all(extractive, _corpus_sentences(corpus_documents, SMALL_CACHE_STRIDE, first=2))


def _ask_all(extractive: Assistant, sentences: list[str]) -> None:
    assert len(sentences) > 20
    crashed: list[str] = []
    for sentence in sentences:
        try:
            answer = extractive.ask(sentence)
        except Exception as exc:  # collected, so one run names every crash
            crashed.append(f"{type(exc).__name__}: {exc} <- {sentence[:80]!r}")
            continue
        _check(answer, sentence)
    assert not crashed, f"{len(crashed)} of {len(sentences)} crashed: {crashed[:5]}"


ODD_QUESTIONS = [
    "1992",  # one number
    "Қазақстан",  # one word
    "ИЫҰ",  # one acronym
    "Qazaqstan ИЫҰ-ға قاي جىلى мүше boldy?",  # Latin, Cyrillic and Arabic script at once
    "When did Қазақстан join the ОИС?",  # English with Kazakh words
    "Сомали\t\n  350   млн?\u200b",  # tabs, newlines, a zero-width space
    "Абай 🙂 қашан туған??!",  # emoji
    "БҰҰ қай жылы құрылды?",  # a year the documents do not give
]


@pytest.mark.parametrize("question", ODD_QUESTIONS)
def test_odd_questions_get_an_answer(extractive, question):
    _check(extractive.ask(question), question)


def test_a_pasted_document_gets_an_answer(extractive, corpus_documents):
    pasted = "\n\n".join(d.text for d in corpus_documents[:2])  # about 22 000 characters
    _check(extractive.ask(pasted), "pasted")


@pytest.mark.parametrize("question", ["", "   ", "?!…", "«» — ,,, ;", "\u200b\n"])
def test_nothing_to_search_is_the_clear_question_error(extractive, question):
    with pytest.raises(QuestionError, match="empty"):
        extractive.ask(question)


def test_follow_up_with_odd_history(extractive):
    _check(extractive.ask("Ал қай жылы?", history=["?!", "1992", "Сомали"]), "follow-up")


# ------------------------------------------------------------ the scorer's cache
def _texts(n: int) -> list[str]:
    return [f"Сөйлем нөмірі {i}: Қазақстан {1990 + i} жылы." for i in range(n)]


@pytest.mark.parametrize("kind", ["passage", "query"])
def test_embed_more_texts_than_the_cache_holds(e5_model, monkeypatch, kind):
    """Right vectors in the asked order, duplicates included, when one call embeds
    more texts than the cache holds and when earlier cached texts are evicted by it."""
    from embeddings.models import embed_passages, embed_queries

    monkeypatch.setattr(evidence, "_CACHE_SIZE", 8)
    encode = embed_queries if kind == "query" else embed_passages
    texts = _texts(20)
    expected = encode(e5_model, texts)
    scorer = Scorer(e5_model)

    early = scorer._embed(texts[:5], kind)  # cached, then evicted by the next call
    np.testing.assert_allclose(early, expected[:5], atol=1e-4)
    asked = [texts[3], *texts, texts[0], texts[19]]  # cached ones first, duplicates last
    got = scorer._embed(asked, kind)
    assert got.shape == (len(asked), expected.shape[1])
    order = [3, *range(20), 0, 19]
    np.testing.assert_allclose(got, expected[order], atol=1e-4)
    assert len(scorer._vectors) <= 8

    again = scorer._embed(texts[::-1], kind)  # the cache holds only the last ones now
    np.testing.assert_allclose(again, expected[::-1], atol=1e-4)
