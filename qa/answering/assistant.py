"""Grounded answers: retrieve, pick the evidence, generate, check every citation.

    assistant = Assistant()                    # default index, backend "auto"
    answer = assistant.ask("Сомалиге қанша қаржы жиналды?")
    for piece in assistant.stream(question):   # str deltas, then the final Answer
        ...

The prompt carries only the sentences that matter (selected by `qa.answering.evidence`), which
keeps a 1.5B model on two CPU cores under a few seconds to first token. The streamed
text is the model's; the final `Answer.text` is the checked one.

How the answer text is composed (`compose`): "generate" (the model writes it),
"quote" (the best evidence sentences, translated by the model for a Russian or English
question), or "auto": quote a Kazakh question's answer when the backend's model does
not write Kazakh well (the embedded 1.5B model, measured in the README), else generate.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.answering.answerable import answer_checks, answerable_probability, first_missing
from qa.answering.backends import Backend, GenerationRequest, open_backend
from qa.answering.backends.extractive import best_quotes, quoted
from qa.answering.citations import CheckedAnswer, check_citations, cite
from qa.answering.evidence import (
    Evidence,
    Scorer,
    Sentence,
    answer_gives_asked_kind,
    disagreement,
    gives_checked_kind,
    numbers_in,
    quoted_sentences,
    select_evidence,
)
from qa.answering.evidence_ranker import EvidenceRanker
from qa.answering.prompts import (
    answer_messages,
    answerable_messages,
    language_text,
    rewrite_prompt,
    short_answer_prompt,
    translate_prompt,
)
from qa.answering.short_answer import (
    SPAN_SCHEMA,
    TRANSLATED_SPAN_SCHEMA,
    disagreeing,
    short_answer,
    shown,
)
from qa.config import DEFAULT_ANSWER_K, DEFAULT_COMPOSE, DEFAULT_LLM, DEFAULT_MODE
from qa.retrieval.index import Index, ensure_index
from qa.retrieval.question import Question, analyse_question
from qa.text.language import KAZAKH_ONLY_LETTERS, detect_language
from qa.text.lexical import tokenize
from qa.types import Answer, Citation, Passage, Timings, check_compose

# Below this probability that the evidence states the asked fact (the backend's yes/no
# check), decline: the passages are on the topic but do not answer. Chosen on the gold
# set's unanswerable questions against the answerable ones it would also decline. Only
# Kazakh questions are checked: against Kazakh passages, a Russian or English question
# got low probabilities throughout (at 0.5 the check declined 5 answerable gold
# questions and no unanswerable one).
MIN_ANSWER_FOUND_PROBABILITY = 0.7
UNVERIFIED_NOTICE = "The model's answer was not supported by the passages: quoting them instead."
WRONG_LANGUAGE_NOTICE = "The model did not answer in the question's language: quoting instead."
WRONG_KIND_NOTICE = (
    "The model's answer did not give what was asked (a year, a number or a reason): "
    "quoting instead."
)


#: The steps of an answer, as `Assistant.stream(on_stage=...)` reports them.
SEARCHING = "searching"
CHECKING_EVIDENCE = "checking evidence"
WRITING = "writing"
CHECKING_CITATIONS = "checking citations"
STAGES = (SEARCHING, CHECKING_EVIDENCE, WRITING, CHECKING_CITATIONS)


@dataclass
class _Plan:
    """What an answer will be made from, once the assistant has decided to answer."""

    asked: Question  # the stand-alone question
    request: GenerationRequest  # the passages given, their context and the quotes
    given: list[Passage]  # the passages given, in [n] order


class Assistant:
    """Answers questions over one index with one generation backend."""

    def __init__(
        self,
        index: Index | None = None,
        *,
        index_dir: Path | None = None,
        llm: str | Backend = DEFAULT_LLM,
        k: int = DEFAULT_ANSWER_K,
        mode: str = DEFAULT_MODE,
        compose: str = DEFAULT_COMPOSE,
        collection: str | None = None,
    ) -> None:
        self.index = index or ensure_index(index_dir)
        if isinstance(llm, str):
            self.backend, self.notices = open_backend(llm)
        else:
            self.backend, self.notices = llm, []
        self.k = k
        self.mode = mode
        self.collection = collection  # search only this collection of the index (None: all)
        self.compose = check_compose(compose)
        self.scorer = Scorer(
            self.index.embedder, self.index.common_terms(), self.index.sentence_vectors
        )
        self.ranker = EvidenceRanker(self.scorer)
        self.warm_up()

    # ------------------------------------------------------------------ public
    def ask(self, question: str, history: Sequence[str] | None = None) -> Answer:
        for piece in self.stream(question, history):
            if isinstance(piece, Answer):
                return piece
        raise RuntimeError("the answer stream ended without an Answer")  # pragma: no cover

    def read(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Answer from the passages given, without searching (a reader, as KazQAD's
        reading-comprehension task measures one: `kenes eval --reader`)."""
        for piece in self.stream(question, passages=passages):
            if isinstance(piece, Answer):
                return piece
        raise RuntimeError("the answer stream ended without an Answer")  # pragma: no cover

    def stream(
        self,
        question: str,
        history: Sequence[str] | None = None,
        cancel: threading.Event | None = None,
        on_stage: Callable[[str], None] | None = None,
        passages: Sequence[Passage] | None = None,
    ) -> Iterator[str | Answer]:
        """Yield text deltas as they are generated, then the checked Answer.

        `on_stage` hears each step as it begins (one of `STAGES`), for a caller that
        shows what is happening while the answer is made. `passages`, when given, are
        read instead of searching the index.
        """
        started = time.perf_counter()
        stage = on_stage or (lambda name: None)
        stage(SEARCHING)
        typed = analyse_question(question)
        asked = analyse_question(self.standalone_question(typed.text, history or []))
        if passages is None:
            passages = self.index.search(
                asked, k=self.k, mode=self.mode, collection=self.collection
            )
        stage(CHECKING_EVIDENCE)
        evidence = self._gather_evidence(asked, typed if history else None, passages)
        answer = self._new_answer(question, typed, asked, started)
        plan = self._plan(answer, asked, evidence, passages)
        if plan is None:
            yield from self._decline(answer, started)
            return
        stage(WRITING)
        checked = yield from self._compose(plan, answer, started, cancel, stage)
        if checked is None:  # cancelled: the answer holds what had arrived
            yield answer
            return
        if checked.refused or not checked.citations:
            yield from self._decline(answer, started)
            return
        yield self._finish(answer, checked, plan, evidence, passages, started)

    def _gather_evidence(
        self, asked: Question, followup: Question | None, passages: Sequence[Passage]
    ) -> Evidence:
        """Every sentence of the passages scored against the question; the best chosen."""
        return select_evidence(self.ranker, asked, passages, followup=followup)

    def _new_answer(self, question: str, typed: Question, asked: Question, started: float):
        return Answer(
            question=question,
            text="",
            citations=[],
            passages=[],
            backend=self.backend.name,
            model=self.backend.model,
            language=typed.language,
            standalone_question=asked.text,
            timings=Timings(retrieval_ms=_ms(started)),
            notices=list(self.notices),
        )

    def _plan(
        self, answer: Answer, asked: Question, evidence: Evidence, passages: Sequence[Passage]
    ) -> _Plan | None:
        """Decide whether to answer; if so, what to quote and what the model is given.

        None declines: no passage is about the question, or what would be quoted does
        not say what is asked, or the model judges that the evidence does not state it.
        """
        if not evidence.chosen:
            return None
        match_text = asked.match_text
        quoted = quoted_sentences(match_text, evidence)
        checks = answer_checks(match_text, quoted, asked.language)
        model = self.ranker.model
        if answerable_probability(asked, evidence, checks, model) < model.decline_below:
            # The passages are on the topic, but the best sentence is unlikely to answer,
            # or what would be quoted lacks what is asked ("How many soldiers?" over
            # sentences that give only years): one fitted score decides.
            missing = first_missing(checks) or "no sentence is likely to answer"
            answer.notices.append(f"Declined: {missing}.")
            return None
        given, context = _numbered_context(passages, evidence.chosen_sentences())
        answer.passages = given  # shown (and scored) even when the answer is declined
        answer.evidence = [s.text for s in evidence.chosen_sentences()]
        # The model's yes/no is asked only where code cannot check the answer's kind:
        # on "why" and "how much" questions it declined answerable ones (docs/evaluation.md).
        judged = asked.language == "kk" and not gives_checked_kind(match_text, quoted)
        answer.answerability = self.answerability(match_text, context) if judged else None
        if answer.answerability is not None and answer.answerability < MIN_ANSWER_FOUND_PROBABILITY:
            return None
        number = {p.id: n for n, p in enumerate(given, 1)}  # [n] of each passage given
        request = GenerationRequest(
            messages=answer_messages(asked.text, context, answer.language),
            question=match_text,
            passages=given,
            context=context,
            ranked_sentences=[(number[passages[s.passage].id], s.text) for s in quoted],
        )
        return _Plan(asked, request, given)

    def _compose(
        self,
        plan: _Plan,
        answer: Answer,
        started: float,
        cancel: threading.Event | None,
        stage: Callable[[str], None],
    ) -> Generator[str, None, CheckedAnswer | None]:
        """Write the answer (quoted or generated) and check its citations."""
        if self.quotes(answer.language):
            checked = self._quoted(plan.request, answer.language, plan.asked)
            answer.timings.first_token_ms = _ms(started)
            if checked.citations:
                yield checked.text
            return checked
        return (yield from self._generated(plan, answer, started, cancel, stage))

    def _finish(
        self,
        answer: Answer,
        checked: CheckedAnswer,
        plan: _Plan,
        evidence: Evidence,
        passages: Sequence[Passage],
        started: float,
    ) -> Answer:
        """The checked text, a note where documents disagree, citations and timings."""
        if checked.unsupported:
            # Every claim shown carries a checked citation; the rest is reported, not shown.
            checked = checked.supported_only()
        given = plan.given
        quoted = plan.request.ranked_sentences
        note, note_citations, note_sentences = _disagreement_note(
            evidence, passages, given, plan.asked, quoted[0][1] if quoted else ""
        )
        conflict = f" {language_text(answer.language).conflict} {note}" if note else ""
        answer.text = checked.text + conflict
        cited = {c.n for c in checked.citations}
        answer.citations = checked.citations + [c for c in note_citations if c.n not in cited]
        answer.unsupported = checked.unsupported
        short_started = time.perf_counter()
        answer.short_answer = self._short_answer(plan, answer, note_sentences)
        answer.timings.short_answer_ms = _ms(short_started)
        answer.timings.total_ms = _ms(started)
        return answer

    def _short_answer(
        self, plan: _Plan, answer: Answer, disagreeing_sentences: Sequence[tuple[int, str]]
    ) -> str | None:
        """A few words copied from a cited sentence ("1995 жылы [2]"); where another
        cited passage, or one the disagreement note cites, gives another year or number,
        both with their marks."""
        cited = {c.n for c in answer.citations}
        quotes = [(n, s) for n, s in plan.request.ranked_sentences if n in cited]
        ask = self._ask_for_span if self.backend.name != "extractive" else None
        language = answer.language
        first = short_answer(plan.asked, quotes, ask, lambda s, t: keeps_numbers(s, t, language))
        if first is None:
            return None
        others = disagreeing(plan.asked, [*quotes, *disagreeing_sentences], first)
        return shown([first, *others])

    def _ask_for_span(self, asked: Question, quotes: Sequence[tuple[int, str]]) -> str:
        """The model's JSON reply naming the sentence and the span that answers."""
        translated = asked.language in ("ru", "en")
        request = GenerationRequest(
            messages=[
                _human(short_answer_prompt(asked.text, [s for _, s in quotes], asked.language))
            ],
            question=asked.match_text,
            passages=[],
            max_tokens=120 if translated else 60,
            purpose="short answer",
            json_schema=TRANSLATED_SPAN_SCHEMA if translated else SPAN_SCHEMA,
        )
        return "".join(self.backend.stream(request))

    def _generated(
        self,
        plan: _Plan,
        answer: Answer,
        started: float,
        cancel: threading.Event | None,
        stage: Callable[[str], None],
    ) -> Generator[str, None, CheckedAnswer | None]:
        """Stream the model's answer, then check its citations (None: cancelled)."""
        request = plan.request
        pieces: list[str] = []
        for delta in self.backend.stream(request):
            if cancel is not None and cancel.is_set():
                answer.text = "".join(pieces)  # what had arrived; unchecked, and said so
                answer.notices.append("cancelled")
                answer.timings.total_ms = _ms(started)
                return None
            if answer.timings.first_token_ms is None:
                answer.timings.first_token_ms = _ms(started)
            pieces.append(delta)
            yield delta
        stage(CHECKING_CITATIONS)
        checked = check_citations(
            "".join(pieces), request.passages, self.scorer, plan.asked.language, plan.asked
        )
        if checked.refused:
            return checked
        if not checked.citations:
            # The model answered, but nothing it said is in the passages (or it only
            # restated the question): show the passages' own best sentences instead.
            notice = UNVERIFIED_NOTICE
        elif not _written_in(checked.text, answer.language):
            # A small model reading Kazakh passages often answers in Kazakh whatever
            # it is told: translate the quotes rather than show a Russian reader Kazakh.
            notice = WRONG_LANGUAGE_NOTICE
        elif not answer_gives_asked_kind(request.question, checked.text):
            # "Why did it last so long?" answered "The article considers its role": the
            # claim is cited, but answers nothing. The best sentences give the reason.
            notice = WRONG_KIND_NOTICE
        else:
            return checked
        answer.notices.append(notice)
        return self._quoted(request, answer.language, plan.asked)

    def answer_notices(self, answer: Answer) -> list[str]:
        """What happened to this answer ("quoting instead", "cancelled"): its notices
        after the ones every answer of this assistant carries (how the backend opened)."""
        return answer.notices[len(self.notices) :]

    def quotes(self, language: str) -> bool:
        """Whether the answer to a question in `language` is quoted rather than generated."""
        if self.compose == "auto":
            return language == "kk" and not getattr(self.backend, "writes_kazakh", True)
        return self.compose == "quote"

    def answerability(self, question: str, context: Sequence[str]) -> float | None:
        """The backend's probability that `context` states the answer (None: no check).

        The passages are usually on the question's topic; what a small model cannot
        tell while answering is whether they hold the asked fact. A separate yes/no
        question, read from token probabilities, tells it far better.
        """
        judge = getattr(self.backend, "judge", None)
        if judge is None:
            return None
        return round(judge(answerable_messages(question, context)), 3)

    def standalone_question(self, question: str, history: Sequence[str]) -> str:
        """Rewrite a follow-up ("Ал қай жылы?") into a question that stands alone.

        A question that already stands alone is left as it is (and costs no LLM call).
        A rewrite that brings in nothing from the history, or brings in a number from
        nowhere, is discarded for the plain "previous question + this one".
        """
        if not history or not looks_like_followup(question):
            return question
        joined = f"{history[-1]} {question}"
        if self.backend.name == "extractive":
            return joined
        request = GenerationRequest(
            messages=[_human(rewrite_prompt(question, history[-3:]))],
            question=question,
            passages=[],
            max_tokens=60,
            purpose="rewrite",
        )
        rewritten = "".join(self.backend.stream(request)).strip().splitlines()
        candidate = rewritten[0].strip(' "«»') if rewritten else ""
        return candidate if is_grounded_rewrite(candidate, question, history) else joined

    def warm_up(self) -> None:
        """Let a local model read the fixed part of the prompt now, not at the first question.

        The rules and the worked example are the same for every question, so llama.cpp
        keeps them in its cache and each answer only reads its own passages.
        """
        warm = getattr(self.backend, "warm", None)
        if warm is not None:
            warm(answer_messages("", [], "kk"))
            warm([_human(short_answer_prompt("", [], "kk"))], purpose="short answer")
            warm(answerable_messages("", []), purpose="judge")

    def with_backend(self, llm: str | Backend) -> Assistant:
        """The same assistant (index, settings, embedding cache) on another backend."""
        other = Assistant(
            self.index,
            llm=llm,
            k=self.k,
            mode=self.mode,
            compose=self.compose,
            collection=self.collection,
        )
        other.scorer = self.scorer
        return other

    def close(self) -> None:
        self.backend.close()

    # ----------------------------------------------------------------- helpers
    def _quoted(self, request: GenerationRequest, language: str, asked: Question) -> CheckedAnswer:
        """The passages' best sentences, quoted, each with its passage's mark.

        For a Russian or English question the model translates the quotes (a far
        easier task for a small model than answering from Kazakh passages), and the
        translations are checked like any answer. The Kazakh quotes stay if none
        translates well.
        """
        quotes = best_quotes(request)
        translates = language != "kk" and self.backend.name != "extractive"
        if translates and (translated := self._translated_quotes(quotes, language)):
            text = " ".join(f"{t} [{n}]." for n, t in translated)
            checked = check_citations(text, request.passages, self.scorer, asked.language)
            if checked.citations and _translated_into(checked.text, language):
                return checked.supported_only()
        return check_citations(quoted(quotes), request.passages, self.scorer, asked.language)

    def _translated_quotes(
        self, quotes: Sequence[tuple[int, str]], language: str
    ) -> list[tuple[int, str]]:
        """(n, translation) of the quotes the model translated into `language`; a quote
        that comes back in Kazakh is left out. [] when any translation loses a number
        or adds one: a model that drops "350", or writes "200" where the quote says 350,
        is not to be trusted with the rest either."""
        kept = []
        for n, text in quotes:
            translation = self._translate(text, language)
            added = numbers_in(translation) - numbers_in(text)
            if added or not keeps_numbers(text, translation, language):
                return []
            if _translated_into(translation, language):
                kept.append((n, translation))
        return kept

    def _translate(self, text: str, language: str) -> str:
        request = GenerationRequest(
            messages=[_human(translate_prompt(text, language))],
            question=text,
            passages=[],
            max_tokens=200,
            purpose="translate",
        )
        return translation_in("".join(self.backend.stream(request))) or text

    def _decline(self, answer: Answer, started: float) -> Iterator[str | Answer]:
        answer.refused = True
        answer.text = language_text(answer.language).refusal
        answer.citations = []
        answer.timings.total_ms = _ms(started)
        yield answer.text
        yield answer


_FOLLOWUP = re.compile(
    r"^(ал|ол|оның|онда|одан|оған|сол|бұл|және|and|what about|how about|it|its|they|а|и|он|она|"
    r"оно|они|его|её|их|это|там)\b|\b(ол|оның|онда|бұл|it|its|they|them|there|он|она|его|её|их|там)\b",
    re.IGNORECASE,
)


# A Kazakh word other than a name: lower case, with a letter only Kazakh writes.
_KAZAKH_LETTERS = "".join(sorted(KAZAKH_ONLY_LETTERS))
_KAZAKH_WORD = re.compile(rf"(?<!\w)[а-яё]*[{_KAZAKH_LETTERS}][а-яё{_KAZAKH_LETTERS}]*(?!\w)")
# What a small model writes before a translation: "Here is the English translation of
# the Kazakh text:", "The Kazakh text translates to:", "Перевод:".
_LEAD_IN = re.compile(
    r"^(?:here is|here's|the (?:\w+ )?(?:text|translation)|translation|example|перевод|пример|вот)"
    r"[^:]*:\s*",
    re.IGNORECASE,
)


def translation_in(reply: str) -> str:
    """The translation in a model's reply: its first line, past any lead-in ("" if none)."""
    for line in reply.strip().splitlines():
        line = _LEAD_IN.sub("", line.strip()).strip(' "«»')
        if line and not line.endswith(":"):
            return line.rstrip(".")
    return ""


def keeps_numbers(source: str, translation: str, language: str) -> bool:
    """Whether a translation keeps every number of its source, in digits or, up to 100,
    in words ("4 бағытын" → "четыре направления", "four areas", "the fourth")."""
    from num2words import num2words

    written = numbers_in(translation)
    lowered = translation.lower().replace("ё", "е")
    for number in numbers_in(source) - written:
        if not number.isdigit() or int(number) > 100:
            return False
        words = [num2words(int(number), lang=language, to=to) for to in ("cardinal", "ordinal")]
        # Inflection changes only the ending: "четыре" → "четырёх", "двадцать" → "двадцати".
        if not any(w.replace("ё", "е")[: max(4, len(w) - 2)] in lowered for w in words):
            return False
    return True


def looks_like_followup(question: str) -> bool:
    """Elliptic or pronoun-led questions ("Ал қай жылы?", "And when?") lean on the history."""
    return len(question.split()) <= 4 or bool(_FOLLOWUP.search(question.strip()))


def is_grounded_rewrite(rewrite: str, question: str, history: Sequence[str]) -> bool:
    """A rewrite must carry a word over from the history and invent no number.

    "Ал 2009 жылы ше?" rewritten as itself, or with a year nobody mentioned, is worse
    for search than the previous question and the follow-up side by side.
    """
    said = " ".join([*history, question])
    carried = set(tokenize(rewrite)) & (set(tokenize(" ".join(history))) - set(tokenize(question)))
    return bool(carried) and numbers_in(rewrite) <= numbers_in(said)


def _numbered_context(
    passages: Sequence[Passage], evidence: Sequence[Sentence]
) -> tuple[list[Passage], list[str]]:
    """Passages that contributed evidence, in rank order, with only their chosen sentences."""
    given: list[Passage] = []
    context: list[str] = []
    for i, passage in enumerate(passages):
        chosen = [s.text for s in evidence if s.passage == i]
        if chosen:
            given.append(passage)
            context.append(" ".join(chosen))
    return given, context


def _disagreement_note(
    evidence: Evidence,
    passages: Sequence[Passage],
    given: list[Passage],
    question: Question,
    quoted: str = "",
) -> tuple[str, list[Citation], list[tuple[int, str]]]:
    """ "[1] 1995; [2] 1992." when documents give different numbers, with its citations
    and its (n, sentence) pairs.

    Built from the evidence sentences themselves, so its marks are right by construction.
    A passage the answer did not use yet is added to `given` (the answer's passages).
    """
    parts, citations, sentences = [], [], []
    for sentence, values in disagreement(evidence, passages, question, quoted=quoted):
        passage = passages[sentence.passage]
        if passage not in given:
            given.append(passage)
        n = given.index(passage) + 1
        parts.append(f"[{n}] {values}")
        citations.append(cite(n, passage, sentence, support=1.0))
        sentences.append((n, sentence.text))
    return ("; ".join(parts) + "." if parts else ""), citations, sentences


def _written_in(text: str, language: str) -> bool:
    """Whether an answer (its [n] marks and «quotes» aside) is in `language`."""
    prose = re.sub(r"\[\d+\]|«[^»]*»", " ", text)
    return not any(c.isalpha() for c in prose) or detect_language(prose) == language


def _translated_into(text: str, language: str) -> bool:
    """Whether a translation is in `language`, or at least no longer Kazakh: a small
    model's broken Russian ("перв - арабский язык") has too few Russian function words
    for `detect_language`, and no Kazakh word either."""
    return _written_in(text, language) or (language != "kk" and not _KAZAKH_WORD.search(text))


def _human(text: str):
    from langchain_core.messages import HumanMessage

    return HumanMessage(content=text)


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
