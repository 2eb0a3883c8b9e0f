"""Whether the sentences that would be quoted answer the question, as far as code can tell.

Retrieval finds passages on the question's topic; these checks catch common ways
on-topic sentences still do not say what is asked. They are not rules on their own:
each is a feature of the fitted answerability score (qa.answering.evidence_ranker),
beside how likely the best sentence is to answer, and the score's threshold decides.

- a year or a quantity is asked and none is given (`qa.answering.evidence.gives_asked_value`);
- the thing asked about is never named: "where is the headquarters?" over sentences
  about meetings (`qa.answering.evidence.names_asked_subject`), "who was the Secretary
  General?" over a State Secretary;
- the next event is asked and only past ones are named;
- "which countries?" is answered by "several countries";
- "how much money?" is answered by a count of something else.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Sequence

from qa.answering.evidence import (
    Evidence,
    Sentence,
    gives_asked_value,
    matches_stem,
    names_asked_subject,
)
from qa.answering.evidence_ranker import EvidenceModel, shipped_model
from qa.retrieval.question import Question
from qa.text.glossary import kazakh_concepts
from qa.text.lexical import tokenize

_WORD = re.compile(r"[\w-]+")
_ASKS_NEXT = re.compile(
    r"\b(?:келесі|алдағы|next|upcoming|следующ\w*|предстоящ\w*|ближайш\w*)\b", re.IGNORECASE
)
# How a sentence speaks of what is to come: "келесі" (next), "алдағы" (coming),
# "жоспар" (plan), "күтілуде" (expected), an intention ("өтпек") or a participle of what
# is to be ("өтетін"). "Өткен еді" (was held) is none of these.
_SPEAKS_OF_FUTURE = re.compile(
    r"\b(?:келесі|алдағы|болашақ|жоспар|күтіл)\w*"
    r"|\b\w+(?:мақ|мек|бақ|бек|пақ|пек)(?:шы|ші)?\b"
    r"|\b\w+(?:атын|етін|йтын|йтін)\b",
    re.IGNORECASE,
)
# Words that count without naming: "бірнеше елде" (in several countries).
_VAGUE = {"бірнеше", "көптеген", "кейбір", "бірқатар", "түрлі", "әртүрлі", "көп"}
# "Қанша жарна" (how much of a contribution): the word counted.
_COUNTED = re.compile(r"\b(?:қанша|неше)\s+([\w-]+)", re.IGNORECASE)
# A verb right after "қанша" ("қанша болды") counts nothing named.
_VERB = re.compile(r"(?:[дт][ыі]|[ғгқк][ае]н|й[дт][ыі]|ед[іи])$")
# Nouns of money: their quantity is an amount in a currency, whatever the noun.
_MONEY = {"қаражат", "қаржы", "ақша", "жарна", "сома", "инвестиция", "несие", "көмек"}
_CURRENCY = re.compile(
    r"доллар|теңге|еуро|евро|рубл|динар|риал|риял|фунт|\$|€|\busd\b", re.IGNORECASE
)
# "Who is/was the X …", "Кто (является) X …": X up to the first preposition.
_ASKS_POST_HOLDER = re.compile(
    r"^\s*(?:who\s+(?:is|was|are|were)\s+(?:the\s+)?|кто\s+(?:является|был[аио]?)\s+)"
    r"(?P<post>.+?)(?=\s+(?:during|of|in|at|for|from|under|when|во|в|на|при|с|до|после)\s|\s*\?|$)",
    re.IGNORECASE,
)


#: What each check finds missing when it fails, in the order they are reported.
CHECKS = {
    "value_given": "the passages give no year or quantity",
    "subject_named": "the passages never name what is asked about",
    "future_spoken": "the passages name only past events",
    "which_named": "the passages do not say which",
    "post_named": "the passages never name the post asked about",
    "money_given": "the passages give no sum of money",
}


#: The answerability score's inputs (see `answerability_values`).
ANSWERABILITY_FEATURES = ("best_logit", "unseen_words", *CHECKS)


def answer_checks(question: str, sentences: Sequence[Sentence], language: str) -> dict[str, bool]:
    """Each of `CHECKS`: True when the sentences pass it (or it does not apply).

    `language` is the question's (kk, ru, en); a Kazakh question is given in Cyrillic,
    whatever script it was typed in. Kazakh-only checks pass for other languages.
    """
    kazakh = language == "kk"
    return {
        "value_given": gives_asked_value(question, sentences),
        "subject_named": not kazakh or names_asked_subject(question, sentences),
        "future_spoken": speaks_of_next(question, sentences),
        "which_named": not kazakh or names_which(question, sentences),
        "post_named": kazakh or names_asked_post(question, language, sentences),
        "money_given": not kazakh or names_counted(question, sentences),
    }


def answerability_values(
    asked: Question, evidence: Evidence, checks: dict[str, bool]
) -> dict[str, float]:
    """The answerability score's inputs: the best sentence's probability, as a logit
    (the scale on which it adds to the rest), how many of the question's words no
    candidate sentence has, and each check as 0 or 1."""
    p = min(max(evidence.best, 1e-6), 1 - 1e-6)
    return {
        "best_logit": math.log(p / (1 - p)),
        "unseen_words": float(unseen_words(asked, evidence.sentences)),
        **{n: float(v) for n, v in checks.items()},
    }


def unseen_words(asked: Question, sentences: Sequence[Sentence]) -> int:
    """The question's words (a Russian or English question's glossary concepts) that no
    sentence has in any form: "штаб-пәтері" over passages that never name a headquarters.
    A question about the topic of the passages, asking a detail they lack, has one."""
    seen = {t for s in sentences for t in tokenize(s.text)}
    if asked.language == "kk":
        return sum(not matches_stem(t, seen) for t in asked.tokens if len(t) >= 3)
    groups = [{t for v in group for t in tokenize(v)} for group in asked.kazakh_concepts]
    return sum(not any(matches_stem(t, seen) for t in group) for group in groups if group)


def answerable_probability(
    asked: Question,
    evidence: Evidence,
    checks: dict[str, bool],
    model: EvidenceModel | None = None,
) -> float:
    """The probability that the evidence answers the question (fitted on dev questions:
    scripts/fit_evidence_model.py); Kenes declines below the model's `decline_below`."""
    values = answerability_values(asked, evidence, checks)
    return (model or shipped_model()).answerability(values)


def why_unanswered(question: str, sentences: Sequence[Sentence], language: str) -> str:
    """What the first failing check finds missing ("" when every check passes)."""
    return first_missing(answer_checks(question, sentences, language))


def first_missing(checks: dict[str, bool]) -> str:
    """What the first failing check of `checks` finds missing ("" when none fails)."""
    return next((CHECKS[name] for name, passed in checks.items() if not passed), "")


def speaks_of_next(question: str, sentences: Sequence[Sentence]) -> bool:
    """False when the question asks about the next event ("келесі саммиті қашан?") and
    no sentence speaks of anything to come: a past summit does not answer it."""
    if not _ASKS_NEXT.search(question):
        return True
    return any(_SPEAKS_OF_FUTURE.search(s.text) for s in sentences)


def names_which(question: str, sentences: Sequence[Sentence]) -> bool:
    """False when a Kazakh question asks which ones ("қай елдерде?") and every sentence
    says only how many, vaguely ("бірнеше елде": in several countries)."""
    words = _WORD.findall(question.lower())
    asked = next((tokenize(b) for a, b in itertools.pairwise(words) if a == "қай"), [])
    if not asked or not sentences:
        return True
    return not all(_says_vaguely(asked[0], s.text) for s in sentences)


def names_counted(question: str, sentences: Sequence[Sentence]) -> bool:
    """False when a Kazakh "қанша X" asks for a sum of money ("қанша жарна", "қанша
    қаражат") and no sentence gives an amount in a currency: "two hundred events" does
    not say how much Kazakhstan pays."""
    match = _COUNTED.search(question)
    if not match or _VERB.search(match[1].lower()) or not sentences:
        return True
    if not set(tokenize(match[1])[:1]) & _money_stems():
        return True
    return any(_CURRENCY.search(s.text) for s in sentences)


@functools.cache
def _money_stems() -> frozenset[str]:
    return frozenset(stem for noun in _MONEY for stem in tokenize(noun)[:1])


def _says_vaguely(noun: str, text: str) -> bool:
    words = _WORD.findall(text.lower())
    return any(
        a in _VAGUE and any(_same_stem(noun, t) for t in tokenize(b))
        for a, b in itertools.pairwise(words)
    )


def _same_stem(a: str, b: str) -> bool:
    """Stems of one word: short ones too ("ел" in "елдер", "елде")."""
    return a.startswith(b) or b.startswith(a)


def names_asked_post(question: str, language: str, sentences: Sequence[Sentence]) -> bool:
    """False when a Russian or English "who is the X" question asks for a post (X:
    "Secretary General") that no sentence names in Kazakh ("Бас хатшы"): a State
    Secretary ("мемлекеттік хатшы") does not answer it.

    The post is the glossary concept that heads X: its last in English ("OIC
    Secretary General"), its first in Russian ("генеральный секретарь ОИС").
    """
    match = _ASKS_POST_HOLDER.match(question)
    groups = kazakh_concepts(match["post"], language) if match else []
    if not groups:
        return True
    post = groups[-1] if language == "en" else groups[0]
    return any(names_phrase(term, s.text) for term in post for s in sentences)


def names_phrase(term: str, text: str) -> bool:
    """Whether `text` has the words of `term` side by side, in any inflection."""
    wanted = [stems[0] for w in _WORD.findall(term) if (stems := tokenize(w))]
    have = [set(stems) for w in _WORD.findall(text) if (stems := tokenize(w))]
    n = len(wanted)
    return n > 0 and any(
        all(matches_stem(wanted[j], have[i + j]) for j in range(n))
        for i in range(len(have) - n + 1)
    )
